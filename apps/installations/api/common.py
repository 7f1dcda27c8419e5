"""Who an installations API call acts as, and the lookups every view of it shares.

Admin endpoints: an admin of the acting account (session, ``X-Account`` picks the
account) or an API key of the account; a member without admin gets 403, an installation
of another account is 404. User-level settings: a member reaches their own (when they
may use the app), an admin or an API key anyone's in the account.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.accounts.api.context import ActingContext, acting_context, require_admin
from apps.accounts.models import Membership, User
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.selectors import member_list_for_account
from apps.catalog.services import By
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.api.serializers import InstallationOutput, installation_details_load
from apps.installations.models import Installation
from apps.installations.selectors import installation_get, installation_member_may_use

ME = "me"


def acting_by(request: Request) -> By:
    """Who to record in the installation's history: the user, or the API key by prefix."""
    if isinstance(request.user, ApiKeyPrincipal):
        return By(user=None, label=f"API key {request.user.api_key.display_prefix}")
    return By.user_(request.user)  # type: ignore[arg-type]


def acting_membership(ctx: ActingContext) -> Membership:
    """The member the services check; an API key acts as an admin of its account (an
    unsaved membership without a user)."""
    if ctx.membership is not None:
        return ctx.membership
    return Membership(account=ctx.account, user=None, is_admin=True)


def admin_installation(
    request: Request, installation_id: Any
) -> tuple[ActingContext, Installation]:
    """The acting account's installation, for an admin or an API key (403 for other
    members, 404 for an installation of another account)."""
    ctx = acting_context(request)
    require_admin(ctx, allow_api_key=True)
    return ctx, installation_get(account=ctx.account, installation_id=installation_id)


def installation_body(
    request: Request,
    ctx: ActingContext,
    installation_id: int,
    *,
    serializer: type[InstallationOutput] = InstallationOutput,
    **context: Any,
) -> Any:
    """The installation as the API shows it, read again so status and version are current."""
    fresh = installation_get(account=ctx.account, installation_id=installation_id)
    installation_details_load([fresh])
    return serializer(fresh, context={"request": request, **context}).data


def user_settings_target(
    request: Request, installation_id: Any, user_ref: str
) -> tuple[ActingContext, Installation, User]:
    """Whose user-level settings a call reaches, or why it may not.

    ``user_ref`` is a user id or ``me``. A member who is not an admin reaches only their
    own settings, and only while they may use the app (403 otherwise); an admin or an API
    key reaches any member of the account (404 for anyone else). An API key has no
    ``me``.
    """
    ctx = acting_context(request)
    installation = installation_get(account=ctx.account, installation_id=installation_id)
    may_reach_anyone = ctx.via_api_key or ctx.is_admin
    if user_ref == ME:
        if ctx.membership is None:
            raise ValidationFailed(
                "An API key acts for no user: name the user by id.",
                fields={"user_id": ["Use a user id instead of “me” with an API key."]},
            )
        target = ctx.membership.user
    else:
        try:
            user_id = int(user_ref)
        except ValueError as exc:
            raise NotFound("No such member in this account.") from exc
        if not may_reach_anyone and (ctx.membership is None or user_id != ctx.membership.user_id):
            raise PermissionDenied(
                "You can read and change only your own settings; an account admin can change "
                "anyone's."
            )
        member = member_list_for_account(account=ctx.account).filter(user_id=user_id).first()
        if member is None:
            raise NotFound("No such member in this account.")
        target = member.user
    if not may_reach_anyone:
        assert ctx.membership is not None
        if not installation_member_may_use(installation=installation, membership=ctx.membership):
            raise PermissionDenied(
                f"You may not use “{installation.app.name}” in this account; an account admin "
                "can give your role or group access to it."
            )
    return ctx, installation, target
