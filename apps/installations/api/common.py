"""Who an installations API call acts as, and the lookups every view of it shares.

Admin endpoints: an admin of the acting account (session, ``X-Account`` picks the
account) or an API key of the account; a member without admin gets 403, an installation
of another account is 404 (``installation_get_for``). User-level settings: whose a
caller reaches is the installations policy ``settings_refusal``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.accounts.actors import Actor
from apps.accounts.api.context import account_actor
from apps.accounts.models import User
from apps.accounts.selectors import member_list_for_account
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.api.serializers import InstallationOutput, installation_details_load
from apps.installations.models import Installation
from apps.installations.policies import SettingsRefusal, settings_refusal
from apps.installations.selectors import (
    installation_get,
    installation_get_for,
    installation_member_may_use,
)

ME = "me"


def admin_installation(request: Request, installation_id: Any) -> tuple[Actor, Installation]:
    """Who acts and the acting account's installation, for an admin or an API key (403
    for other members, 404 for an installation of another account)."""
    actor = account_actor(request)
    return actor, installation_get_for(actor=actor, installation_id=installation_id)


def installation_body(
    request: Request,
    actor: Actor,
    installation_id: int,
    *,
    serializer: type[InstallationOutput] = InstallationOutput,
    **context: Any,
) -> Any:
    """The installation as the API shows it, read again so status and version are current."""
    assert actor.account is not None
    fresh = installation_get(account=actor.account, installation_id=installation_id)
    installation_details_load([fresh])
    return serializer(fresh, context={"request": request, **context}).data


def user_settings_target(
    request: Request, installation_id: Any, user_ref: str
) -> tuple[Actor, Installation, User]:
    """Whose user-level settings a call reaches, or why it may not (the policy
    ``settings_refusal``, worded for the API).

    ``user_ref`` is a user id or ``me``. A member who is not an admin reaches only their
    own settings, and only while they may use the app (403 otherwise); an admin or an API
    key reaches any member of the account (404 for anyone else). An API key has no
    ``me``.
    """
    actor = account_actor(request)
    assert actor.account is not None
    installation = installation_get(account=actor.account, installation_id=installation_id)
    if user_ref == ME:
        if actor.user is None:
            raise ValidationFailed(
                "An API key acts for no user: name the user by id.",
                fields={"user_id": ["Use a user id instead of “me” with an API key."]},
            )
        user_id = actor.user.pk
    else:
        try:
            user_id = int(user_ref)
        except ValueError as exc:
            raise NotFound("No such member in this account.") from exc
    refusal = settings_refusal(
        actor,
        account_id=installation.account_id,
        level="user",
        target_user_id=user_id,
        may_use=lambda: (
            actor.membership is not None
            and installation_member_may_use(installation=installation, membership=actor.membership)
        ),
    )
    if refusal is SettingsRefusal.NOT_OWN:
        raise PermissionDenied(
            "You can read and change only your own settings; an account admin can change anyone's."
        )
    if user_ref == ME:
        assert actor.user is not None
        target = actor.user
    else:
        member = member_list_for_account(account=actor.account).filter(user_id=user_id).first()
        if member is None:
            raise NotFound("No such member in this account.")
        target = member.user
    if refusal is not None:
        raise PermissionDenied(
            f"You may not use “{installation.app.name}” in this account; an account admin "
            "can give your role or group access to it."
        )
    return actor, installation, target
