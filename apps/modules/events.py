"""Writing change events: one row per create, update or delete of module data, in the
transaction of the change. ``event_write`` is the one way to write them; the record
services call it, and so must a host service that changes module data another way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.modules.models import ChangeEvent


def _actor_kind(actor: Actor) -> str:
    if actor.via_app_token:
        return ChangeEvent.ActorKind.APP
    if actor.via_api_key:
        return ChangeEvent.ActorKind.API_KEY
    if actor.user is not None:
        return ChangeEvent.ActorKind.USER
    return ChangeEvent.ActorKind.SYSTEM


def event_write(
    *,
    account_id: int,
    model: str,
    action: str,
    record_id: int,
    actor: Actor,
    data: dict[str, Any],
    changed: Iterable[str] = (),
) -> ChangeEvent:
    """Append the event of one change. Must run inside the change's transaction (it
    refuses to run outside one), so a change that rolls back leaves no event."""
    (event,) = events_write(
        [
            EventOf(
                account_id=account_id,
                model=model,
                action=action,
                record_id=record_id,
                data=data,
                changed=tuple(changed),
            )
        ],
        actor=actor,
    )
    return event


@dataclass(frozen=True)
class EventOf:
    """One change of several made at once by one actor (``events_write``)."""

    account_id: int
    model: str
    action: str
    record_id: int
    data: dict[str, Any]
    changed: tuple[str, ...] = ()


def events_write(changes: Sequence[EventOf], *, actor: Actor) -> list[ChangeEvent]:
    """Append the events of several changes ``actor`` made in one transaction, in one
    insert; as ``event_write``, only inside the transaction of the changes."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Change events are written in the transaction of their change.")
    installation = actor.installation
    who = {
        "actor_kind": _actor_kind(actor),
        "actor_user_id": actor.user_id,
        "installation_id": installation.pk if installation is not None else None,
        "api_key_id": actor.api_key.pk if actor.api_key is not None else None,
        "actor_label": actor.label[:200],
    }
    now = timezone.now()
    events = [
        ChangeEvent(
            account_id=change.account_id,
            model=change.model,
            action=change.action,
            record_id=change.record_id,
            changed=sorted(change.changed),
            data=change.data,
            occurred_at=now,
            **who,
        )
        for change in changes
    ]
    if len(events) == 1:
        events[0].save(force_insert=True)
        return events
    return ChangeEvent.objects.bulk_create(events)


def events_trim(*, now: Any = None, batch: int = 5000) -> int:
    """Delete the events older than ``MODULE_EVENT_RETENTION_DAYS``, a batch at a time
    in short transactions. Idempotent; safe to run twice at once. Returns how many rows
    it deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MODULE_EVENT_RETENTION_DAYS)
    total = 0
    while True:
        ids = list(
            ChangeEvent.objects.filter(occurred_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        deleted, _ = ChangeEvent.objects.filter(pk__in=ids).delete()
        total += deleted
