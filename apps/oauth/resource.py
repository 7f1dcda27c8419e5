"""The resource-server side: how an app's API request is authenticated and checked.

``AppTokenAuthentication`` first counts the request against the token's rate limit, keyed
by a keyed hash of the raw token, so a throttled client costs no query; then it loads the
bearer token with its application, user, installation, account, membership and role, and
whether the member's role or groups may use the app, in one query, and refuses (401
``invalid_token``) a token whose app, installation, account, user or membership no longer
stands. ``InstallationScope`` then checks the view's need against the token's scopes, the
installation's current grant and the user's own module rights (403 naming what was
missing).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from apps.accounts.models import AccessLevel
from apps.accounts.policies import effective_rights, rights_allow
from apps.core.crypto import keyed_digest
from apps.core.errors import PermissionDenied
from apps.core.ratelimit import SharedRateThrottle
from apps.installations.models import InstallationStatus
from apps.oauth.errors import InvalidToken, OAuthError
from apps.oauth.validators import token_get, token_query
from apps.scopes.catalog import Level, get_catalog
from apps.scopes.policies import scopes_allow, scopes_needed_for


def token_problem(token: Any) -> str | None:
    """Why a loaded access token cannot be used now, or ``None``."""
    if token.expires <= timezone.now():
        return "The access token expired. Get a new one with the refresh token."
    if token.application is None or token.application.is_suspended:
        return "The app is deactivated or deleted; its tokens no longer work."
    installation = token.installation
    if installation is None or installation.status != InstallationStatus.ACTIVE:
        return "The app was uninstalled from this account; its tokens no longer work."
    if not installation.account.is_active:
        return "The account is deactivated."
    if token.user is None or not token.user.is_active:
        return "The user of this token is deactivated."
    membership = token.membership
    if membership is None or membership.account_id != installation.account_id:
        return "The user of this token is no longer a member of the account."
    if not (membership.is_admin or token.role_may_use or token.group_may_use):
        return (
            "The user of this token no longer has access to the app on this account; an admin "
            "can give it back under the app's access settings."
        )
    return None


class AppTokenThrottle(SharedRateThrottle):
    """The general API limit (scope ``principal``) of one access token, counted from the
    raw token before it is looked up.

    The client is a keyed hash of the raw value (the cache never holds anything that
    could be used or matched against the token table). Each distinct value has a budget
    of its own: requests with an unknown or mistyped token never use up a valid token's,
    and a client over its limit is refused without a database query.
    """

    scope = "principal"

    def allow_token(self, raw: str) -> bool:
        return self.allow_ident(f"token-{keyed_digest(raw)}")


class AppTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <access token>`` issued by the authorization server.

    API keys (``mpk_...``) are left to their own authenticator. The request is counted
    against the token's rate limit first (429 ``throttled`` with ``Retry-After`` over it),
    then the token is looked up.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, value = header.partition(" ")
        value = value.strip()
        if keyword.lower() != "bearer" or not value or value.startswith("mpk_"):
            return None
        throttle = AppTokenThrottle()
        if not throttle.allow_token(value):
            raise exceptions.Throttled(wait=throttle.wait())
        checksum = hashlib.sha256(value.encode("utf-8")).hexdigest()
        token = token_get(token_query().filter(token_checksum=checksum))
        if token is None:
            raise InvalidToken(
                "The access token is unknown or was revoked. Send the user through the "
                "authorization again."
            )
        problem = token_problem(token)
        if problem:
            raise InvalidToken(problem)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="api", error="{OAuthError.INVALID_TOKEN}"'


def is_app_token(auth: Any) -> bool:
    return auth is not None and hasattr(auth, "installation") and hasattr(auth, "token_checksum")


class InstallationScope(permissions.BasePermission):
    """The view declares ``required_model`` and ``required_level`` (``read``/``full``),
    and ``self_only = True`` when it touches only the token user's own record (then a
    self-only scope such as ``user.me`` suffices and no module right is needed).

    Allowed when the token's scopes, the installation's granted scopes and the user's
    own rights all allow it. A 403 names the scope or right that was missing.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not is_app_token(token):
            return False
        model: str = view.required_model
        level = Level(getattr(view, "required_level", Level.READ))
        self_only: bool = getattr(view, "self_only", False)
        catalog = get_catalog()
        needed = list(scopes_needed_for(model=model, level=level, catalog=catalog))
        if self_only:
            needed += [f"{s.code}:{level}" for s in catalog.scopes_covering(model) if s.self_only]
        token_scopes = token.scope.split()
        if not scopes_allow(
            token_scopes, model=model, level=level, current_user_only=self_only, catalog=catalog
        ):
            raise PermissionDenied(
                f"The access token lacks a scope for {level} access to {model}: it needs one "
                f"of {', '.join(needed)}.",
                code=OAuthError.INSUFFICIENT_SCOPE,
                fields={"scope": needed},
            )
        granted = token.installation.granted_scopes
        if not scopes_allow(
            granted, model=model, level=level, current_user_only=self_only, catalog=catalog
        ):
            raise PermissionDenied(
                f"The installation no longer grants {level} access to {model} (one of "
                f"{', '.join(needed)}); an admin must update or re-approve the app.",
                code=OAuthError.INSUFFICIENT_SCOPE,
                fields={"scope": needed},
            )
        if self_only:
            return True
        module = catalog.module_of_model(model) or model.split(".")[0]
        membership = token.membership
        rights = effective_rights(
            rights=membership.role.rights if membership.role is not None else None,
            is_admin=membership.is_admin,
        )
        required = AccessLevel.FULL if level is Level.FULL else AccessLevel.READ
        if not rights_allow(rights=rights, module=module, level=required):
            raise PermissionDenied(
                f"{token.user.email} has no {level} right on the {module} module in this "
                "account; the app acts with the user's own rights.",
                code=OAuthError.INSUFFICIENT_RIGHTS,
                fields={"right": [f"{module}:{level}"]},
            )
        return True
