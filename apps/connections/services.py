"""Writes of connections: the parameters an admin gives for an installation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor
from apps.connections.errors import ConnectionsError
from apps.connections.history import Kind, connection_event
from apps.connections.models import ConnectionValue
from apps.connections.policies import parameters_plan
from apps.connections.selectors import connection_of
from apps.core.crypto import encrypt
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import Installation
from apps.installations.policies import installation_can_manage, secret_hint
from apps.installations.services import installation_lock_active
from apps.installations.settings_plan import SettingsPlan


def require_manager(actor: Actor, installation: Installation) -> None:
    if actor.account_id != installation.account_id or actor.via_app_token:
        raise NotFound("No such installation.")
    if not installation_can_manage(actor, account_id=installation.account_id):
        raise PermissionDenied("Only an admin of this account can change the app's connection.")


@transaction.atomic
def connection_parameters_save(
    *,
    installation: Installation,
    values: Mapping[str, Any],
    clear: Iterable[str] = (),
    actor: Actor,
) -> list[str]:
    """Save the connection parameters of ``installation`` for an admin of its account
    (``NotFound`` across accounts and for app tokens, ``PermissionDenied`` for others).

    As for app-level settings: keys left out keep their value, an empty sensitive value
    keeps the stored one, ``clear`` removes stored sensitive values, a required
    parameter must end up with a value. Every problem is reported at once under its key
    (``ValidationFailed``) and nothing is written then. Returns the keys that changed, which
    the installation's history records (keys only, never a value).
    """
    require_manager(actor, installation)
    locked = installation_lock_active(
        installation, refusal="The app is being uninstalled; its connection cannot change."
    )
    connection = connection_of(locked)
    if not connection.parameters:
        raise NotFound(
            "This app's version declares no connection parameters.",
            code=ConnectionsError.NO_CONNECTION,
        )
    stored = {
        v.key: v for v in ConnectionValue.objects.filter(installation=locked).select_for_update()
    }
    plan = parameters_plan(
        connection=connection, values=values, clear=list(clear), stored=stored.keys()
    )
    if plan.errors:
        raise ValidationFailed("Some connection parameters are not valid.", fields=plan.errors)
    changed = _apply(locked, stored, plan, actor)
    if changed:
        connection_event(locked, Kind.CONNECTION_SAVED, actor, {"keys": changed})
    return changed


def _apply(
    installation: Installation,
    stored: dict[str, ConnectionValue],
    plan: SettingsPlan,
    actor: Actor,
) -> list[str]:
    changed: list[str] = []
    for key, clean in plan.values.items():
        row = stored.get(key) or ConnectionValue(installation=installation, key=key)
        if clean.clear:
            if row.pk is not None:
                row.delete()
                changed.append(key)
            continue
        if clean.secret is not None:
            row.secret, row.secret_hint, row.value = (
                encrypt(clean.secret),
                secret_hint(clean.secret),
                None,
            )
        elif row.pk is not None and row.value == clean.value:
            continue
        else:
            row.value = clean.value
        row.updated_by = actor.user
        row.save()
        changed.append(key)
    for key in plan.removals:
        if key in stored:
            stored[key].delete()
            changed.append(key)
    return sorted(changed)
