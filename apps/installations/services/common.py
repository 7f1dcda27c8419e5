"""Helpers shared by the installations services: the manage check, the history event
(and the listener a context above installs on it), the active-row lock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from apps.accounts.actors import Actor
from apps.catalog.errors import CatalogError
from apps.catalog.models import AppStatus
from apps.core.errors import Conflict, PermissionDenied
from apps.installations.errors import InstallationError
from apps.installations.models import Installation, InstallationEvent, InstallationStatus
from apps.installations.policies import installation_can_manage


def _require_admin(actor: Actor, *, account_id: int, refusal: str) -> None:
    """Refuse (``PermissionDenied`` with ``refusal``) anyone the installations policy
    ``installation_can_manage`` does not let manage the account's apps."""
    if not installation_can_manage(actor, account_id=account_id):
        raise PermissionDenied(refusal)


# What runs, in the same transaction, after each entry of an installation's history is
# written: the webhooks context above installs it at start-up to turn an install, an
# update and an uninstall into the app's own ``app.*`` deliveries (or none at all).
HistoryListener = Callable[[Installation, InstallationEvent, Actor], None]
_history_listener: HistoryListener | None = None


def installation_history_listener_set(listener: HistoryListener | None) -> None:
    """Install what runs after each history entry is written, in its transaction."""
    global _history_listener
    _history_listener = listener


def _event(
    installation: Installation, kind: str, actor: Actor, detail: Mapping[str, Any] | None = None
) -> None:
    event = InstallationEvent.objects.create(
        installation=installation,
        kind=kind,
        actor=actor.user,
        actor_label=actor.label,
        detail=dict(detail or {}),
    )
    if _history_listener is not None:
        _history_listener(installation, event, actor)


def installation_event_record(
    *,
    installation: Installation,
    kind: InstallationEvent.Kind,
    actor: Actor,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry to the installation's history, for a context above this one
    (connections) whose writes belong there. ``detail`` never holds a secret value."""
    _event(installation, kind, actor, detail)


def _require_active(
    installation: Installation,
    refusal: str = "The app is being uninstalled; its settings cannot change.",
) -> Installation:
    """Lock the installation's row and refuse (``Conflict``) one that is being
    uninstalled (``not_active``) or whose app its developer is deleting
    (``app_deleting``): both are on their way out and nothing may change them."""
    locked = (
        Installation.objects.select_for_update(of=("self",))
        .select_related("app")
        .filter(pk=installation.pk)
        .first()
    )
    if locked is None or locked.status != InstallationStatus.ACTIVE:
        raise Conflict(refusal, code=InstallationError.NOT_ACTIVE)
    if locked.app.status == AppStatus.DELETING:
        raise Conflict(
            f"Its developer is deleting “{locked.app.name}”: it is removed from this account "
            "automatically and cannot change any more.",
            code=CatalogError.APP_DELETING,
        )
    return locked


def installation_lock_active(installation: Installation, *, refusal: str) -> Installation:
    """The installation's row, locked, for another context's write about it (its
    connection): ``Conflict`` when it is on its way out, as for its own settings."""
    return _require_active(installation, refusal)
