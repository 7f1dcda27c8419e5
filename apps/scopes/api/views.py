"""The scope catalog as data: what a manifest may declare, for developers and tools."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.scopes.catalog import Catalog, Level, get_catalog
from apps.scopes.policies import ScopeGrant, scope_phrase


def catalog_as_dict(catalog: Catalog) -> dict[str, Any]:
    """Modules, scopes (with their consent phrases), events and locations."""
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


class ScopeCatalogApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The scope catalog: scopes, webhook events and embedding locations",
        description=(
            "Everything a manifest may declare. A scope covers the models listed; "
            "`current_user_only` scopes reach only the authorizing user's own record. A "
            "webhook event needs read access to its model."
        ),
        responses={200: OpenApiTypes.OBJECT},
        tags=["manifests"],
    )
    def get(self, request: Request) -> Response:
        return Response(catalog_as_dict(get_catalog()))
