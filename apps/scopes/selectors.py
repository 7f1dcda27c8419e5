"""The scope catalog described for people and tools. No ORM: the catalog is code."""

from __future__ import annotations

from typing import Any

from apps.scopes.catalog import AppEvent, Catalog, Level, get_catalog
from apps.scopes.policies import ScopeGrant, scope_phrase


def scope_catalog_describe(*, catalog: Catalog | None = None) -> dict[str, Any]:
    """The catalog in force as plain data: modules, scopes (sorted by code, with the
    models they reach and their consent phrases), events (a change of each model),
    app events (about the app's own installation, needing no scope) and locations. What
    ``GET /api/v1/scopes`` answers and the console's reference page shows."""
    catalog = catalog or get_catalog()
    return {
        "levels": [level.value for level in Level],
        "modules": [
            {"code": m.code, "label": m.label, "models": list(m.models)}
            for m in catalog.modules.values()
        ],
        "scopes": [
            {
                "code": s.code,
                "module": s.module,
                "is_module_scope": s.is_module,
                "current_user_only": s.self_only,
                "description": s.description,
                "models": list(catalog.scope_models(s.code)),
                "consent": {
                    level.value: scope_phrase(ScopeGrant(s.code, level), catalog=catalog)
                    for level in Level
                },
            }
            for s in sorted(catalog.scopes.values(), key=lambda s: s.code)
        ],
        "events": [
            {"code": e.code, "model": e.model, "action": e.action.value}
            for e in catalog.events.values()
        ],
        "app_events": [{"code": e.value, "description": e.description} for e in AppEvent],
        "locations": [
            {
                "code": loc.code,
                "label": loc.label,
                "description": loc.description,
                "model": loc.model,
            }
            for loc in catalog.locations.values()
        ],
    }
