"""A user's consent to a user-level app."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.accounts.actors import Actor
from apps.accounts.models import User
from apps.core.errors import PermissionDenied
from apps.installations.models import Installation, InstallationEvent, UserAuthorization
from apps.installations.services.common import _event, _require_active, _require_admin
from apps.scopes.policies import effective_scopes


@transaction.atomic
def user_authorization_record(
    *, installation: Installation, user: User, scopes: Iterable[str], actor: Actor
) -> UserAuthorization:
    """Record that ``user`` consented to the installation's app with ``scopes`` (a
    user-level app). Widens an earlier record; never narrows it. Raises ``Conflict``
    (``not_active``) once the installation is being uninstalled: a consent racing the
    uninstall must not leave a row behind its cascade."""
    _require_active(
        installation, "The app is being uninstalled from this account; it cannot be authorized."
    )
    wanted = list(effective_scopes(scopes))
    record, created = UserAuthorization.objects.select_for_update().get_or_create(
        installation=installation, user=user, defaults={"scopes": wanted}
    )
    if not created:
        merged = list(effective_scopes([*record.scopes, *wanted]))
        if merged != record.scopes:
            record.scopes = merged
            record.save(update_fields=["scopes", "updated_at"])
    _event(installation, InstallationEvent.Kind.USER_AUTHORIZED, actor, {"scopes": wanted})
    return record


@transaction.atomic
def installation_reauthorize_start(
    *, installation: Installation, actor: Actor, level: str
) -> Installation:
    """Record that ``actor`` runs the consent of an installed app again (Reauthorize),
    e.g. after the app's grant broke: the account's consent (``level="account"``, an
    admin of the account with a session: consent happens in a browser, so API keys may
    not) or their own (``level="user"``, a member of the account). The browser then goes
    through the authorization with the consent screen shown again, and the app gets a
    new code and new tokens.

    Raises ``PermissionDenied`` for anyone else, ``Conflict`` (``not_active``) once the
    installation is being uninstalled."""
    if level == "account":
        _require_admin(
            actor,
            account_id=installation.account_id,
            refusal="Only an admin of this account can reauthorize its apps.",
        )
    if actor.user is None or actor.via_api_key or actor.account_id != installation.account_id:
        raise PermissionDenied("Reauthorizing is done in the browser, by a member of the account.")
    locked = _require_active(
        installation, "The app is being uninstalled from this account; it cannot be reauthorized."
    )
    _event(
        locked,
        InstallationEvent.Kind.REAUTHORIZE_STARTED,
        actor,
        {"level": level, "version": locked.version.number},
    )
    return locked
