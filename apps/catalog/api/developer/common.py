"""Who a developer API call acts as, and the small helpers every developer API view shares."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.accounts.actors import Actor
from apps.accounts.api.context import account_actor
from apps.accounts.services import actor_require_developer
from apps.catalog.api import serializers as out
from apps.catalog.models import App, AppVersion
from apps.catalog.selectors import (
    app_get_for,
    app_get_for_developer,
    version_get_for,
    version_scope_lines,
)
from apps.core.errors import ValidationFailed

# --- who acts --------------------------------------------------------------------------------


def developer_actor(request: Request) -> Actor:
    """Who acts, when it may manage the acting account's apps: an API key of the
    account, or a member with the developer right (403 otherwise; 404 for a non-member)."""
    actor = account_actor(request)
    actor_require_developer(actor=actor, api_keys=True)
    return actor


def _app(request: Request, code: Any) -> tuple[Actor, App]:
    actor = account_actor(request)
    return actor, app_get_for(actor=actor, code=code)


def _version(request: Request, code: Any, number: str) -> AppVersion:
    return version_get_for(actor=account_actor(request), code=code, number=number)


def _app_body(request: Request, actor: Actor, app: App) -> dict[str, Any]:
    """The app as the list shows it, read again so counts and status are current."""
    assert actor.account is not None
    fresh = app_get_for_developer(account=actor.account, code=app.code)
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
