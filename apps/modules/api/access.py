"""Who may reach a module's records: an app token within its scopes, its installation's
grant and its user's own module rights (``apps.api.app_api.InstallationScope``), or an
account API key, which acts for its whole account as system-level access."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from apps.accounts.models import ApiKey
from apps.api.app_api import InstallationScope
from apps.oauth.policies import AppToken


class ModuleAccess(permissions.BasePermission):
    """The view names ``required_model`` and ``required_level``: read for safe methods,
    full for writes. API keys reach every module of their account, read and write; a
    console session is not a caller of these endpoints."""

    checks_scopes = True  # an app token's, as InstallationScope

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        return InstallationScope().has_permission(request, view)


def caller_account_id(auth: Any) -> int:
    """The account the request's credentials act for: an app token's installation's, or
    an API key's own."""
    if isinstance(auth, AppToken):
        assert auth.installation is not None  # refused by the authentication otherwise
        return auth.installation.account.pk
    assert isinstance(auth, ApiKey)
    return int(auth.account_id)


def caller_ident(auth: Any) -> str:
    """Whose ``Idempotency-Key`` space a request uses: an app's user in one installation,
    or one API key."""
    if isinstance(auth, AppToken):
        assert auth.installation is not None
        return f"app:{auth.installation.pk}:{auth.user.pk}"
    return f"key:{auth.pk}"
