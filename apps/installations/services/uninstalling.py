"""The one write of an installation's ``uninstalling`` status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.actors import Actor, actor_system
from apps.installations.models import Installation, InstallationEvent, InstallationStatus
from apps.installations.services.common import _event

# Who moves an installation to ``uninstalling`` when its app's deletion reaches it.
APP_DELETION_ACTOR = actor_system(label="App deletion")


@transaction.atomic
def installation_mark_uninstalling(
    *, installation: Installation, actor: Actor, detail: Mapping[str, Any] | None = None
) -> bool:
    """Move an active installation to ``uninstalling`` (a compare-and-set on
    ``active``), noting when and by whom, and record ``uninstall_requested`` in its
    history in the same transaction. From then on every token of it is refused, it is
    no longer embedded and nothing can change it.

    Returns whether it moved (``installation`` is then reloaded). An installation
    already being uninstalled, or gone, is left alone and nothing is recorded:
    idempotent. Nothing else assigns this status.
    """
    now = timezone.now()
    moved = Installation.objects.filter(
        pk=installation.pk, status=InstallationStatus.ACTIVE
    ).update(
        status=InstallationStatus.UNINSTALLING,
        uninstall_requested_at=now,
        uninstall_requested_by=actor.user,
        updated_at=now,
    )
    if not moved:
        return False
    installation.refresh_from_db()
    _event(installation, InstallationEvent.Kind.UNINSTALL_REQUESTED, actor, detail)
    return True
