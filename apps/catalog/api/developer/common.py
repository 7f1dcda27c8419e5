"""Who a developer API call acts as, and the small helpers every developer API view shares."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.accounts.api.context import ActingContext, acting_context
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.services import membership_require_developer
from apps.catalog.api import serializers as out
from apps.catalog.models import App, AppVersion
from apps.catalog.selectors import (
    app_get_for_developer,
    version_get,
    version_scope_lines,
)
from apps.catalog.services import (
    By,
)
from apps.core.errors import ValidationFailed

# --- who acts --------------------------------------------------------------------------------


def developer_context(request: Request) -> ActingContext:
    """The acting account, when the caller may manage its apps: an API key of the account,
    or a member with the developer right (403 otherwise; 404 for a non-member)."""
    ctx = acting_context(request)
    if not ctx.via_api_key:
        membership_require_developer(membership=ctx.membership)
    return ctx


def acting_by(request: Request) -> By:
    """Who to record in a version's history: the user, or the API key by its prefix."""
    if isinstance(request.user, ApiKeyPrincipal):
        return By(user=None, label=f"API key {request.user.api_key.display_prefix}")
    return By.user_(request.user)  # type: ignore[arg-type]


def _app(request: Request, code: Any) -> tuple[ActingContext, App]:
    ctx = developer_context(request)
    return ctx, app_get_for_developer(account=ctx.account, code=code)


def _version(request: Request, code: Any, number: str) -> AppVersion:
    _ctx, app = _app(request, code)
    return version_get(app=app, number=number)


def _app_body(request: Request, ctx: ActingContext, app: App) -> dict[str, Any]:
    """The app as the list shows it, read again so counts and status are current."""
    fresh = app_get_for_developer(account=ctx.account, code=app.code)
    return out.AppOutput(fresh, context={"request": request}).data


def _version_body(request: Request, version: AppVersion) -> dict[str, Any]:
    context = {"request": request, "scope_lines": version_scope_lines(version=version)}
    return out.VersionOutput(version, context=context).data


def _only(data: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The body as a dict, refusing fields that cannot be set here (each named)."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Send a JSON object.", fields={"non_field_errors": ["Send a JSON object."]}
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Some fields cannot be changed here: " + ", ".join(unknown) + ".",
            fields={
                name: [f"Unknown or read-only field; allowed: {', '.join(allowed)}."]
                for name in unknown
            },
        )
    return data
