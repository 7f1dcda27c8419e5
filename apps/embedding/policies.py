"""Pure rules of embedding: what a launch token says, and where an app may appear."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from apps.scopes.catalog import Catalog, get_catalog
from apps.scopes.policies import parse_scope

# A launch token lives at most this long: five minutes, never a live credential.
LAUNCH_TOKEN_MAX_SECONDS = 300

# Locations shown on host pages without a record (record cards are placed by the
# record pages themselves).
MAIN_MENU = "main_menu"
DASHBOARD_WIDGET = "dashboard.widget"
SETTINGS_PAGE = "settings.page"

# The frame's sandbox: scripts, forms and popups, and the app's own origin (its cookies
# and storage; the page is refused when that origin is the marketplace's own).
FRAME_SANDBOX = "allow-scripts allow-forms allow-popups allow-same-origin"

_RANK = {"none": 0, "read": 1, "full": 2}


def effective_access(
    granted_scopes: Iterable[str],
    *,
    rights: Mapping[str, str],
    catalog: Catalog | None = None,
) -> list[str]:
    """The installation's grant intersected with the user's module rights: each granted
    scope at the lower of its level and the user's right on its module, dropped where
    the user has none. Self-only scopes (``user.me``) reach only the user's own record and
    need no module right, as in the App API. Sorted ``code:level`` strings."""
    catalog = catalog or get_catalog()
    result = set()
    for raw in granted_scopes:
        grant = parse_scope(raw, catalog=catalog)
        scope = catalog.scopes[grant.code]
        if scope.self_only:
            result.add(f"{grant.code}:{grant.level.value}")
            continue
        level = min(_RANK[grant.level.value], _RANK.get(rights.get(scope.module, "none"), 0))
        if level:
            result.add(f"{grant.code}:{'full' if level == 2 else 'read'}")
    return sorted(result)


def card_model(location: str, *, catalog: Catalog | None = None) -> str | None:
    """The model a record-card ``location`` is tied to (``crm.account.card`` ->
    ``crm.account``); ``None`` for a location shown without a record."""
    found = (catalog or get_catalog()).locations.get(location)
    return found.model if found is not None else None


def reads_model(access: Iterable[str], model: str, *, catalog: Catalog | None = None) -> bool:
    """Whether the effective ``access`` (``code:level`` strings, from
    ``effective_access``) reads ``model``: some scope covering it, at read or full."""
    catalog = catalog or get_catalog()
    covering = {scope.code for scope in catalog.scopes_covering(model)}
    return any(item.rsplit(":", 1)[0] in covering for item in access)


def parse_record(value: str) -> tuple[str, int] | None:
    """``<model>:<id>`` (the launch context's ``record``) as (model, id), or ``None``."""
    model, sep, raw_id = (value or "").rpartition(":")
    if not sep or not model or not raw_id.isdigit() or not 0 < int(raw_id) < 2**63:
        return None
    return model, int(raw_id)


def launch_language(*, user_language: str | None, account_language: str) -> str:
    """The user's interface language, falling back to the account's."""
    return user_language or account_language


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what ``postMessage`` compares), or ``""``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


def launch_claims(
    *,
    issuer: str,
    client_id: str,
    user_id: int,
    account: str,
    installation_id: int,
    app_code: str,
    version: str,
    location: str,
    embedding_id: str,
    record: Mapping[str, Any] | None,
    lang: str,
    access: list[str],
    issued_at: int,
    lifetime: int,
    jti: str,
) -> dict[str, Any]:
    """The claims of a launch token; ``exp`` is at most ``LAUNCH_TOKEN_MAX_SECONDS``
    after ``iat`` whatever ``lifetime`` says."""
    lifetime = max(1, min(lifetime, LAUNCH_TOKEN_MAX_SECONDS))
    return {
        "iss": issuer,
        "aud": client_id,
        "sub": str(user_id),
        "account": account,
        "installation": installation_id,
        "app": app_code,
        "version": version,
        "location": location,
        "embedding_id": embedding_id,
        "record": dict(record) if record else None,
        "lang": lang,
        "access": access,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": jti,
    }
