"""Writing change events: one row per create, update or delete of module data, in the
transaction of the change. ``event_write`` is the one way to write them; the record
services call it, and so must a host service that changes module data another way.

The events are an outbox: a context above (webhooks) installs a wake-up at start-up
(``events_listener_set``), called once after each transaction that wrote events
commits, with the kinds of events it wrote, and takes the waiting events
(``dispatched_at`` unset) in id order with ``events_waiting``/``events_mark_dispatched``.
A lost or skipped wake-up only delays them: the reader also polls."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.modules.models import ChangeEvent

Written = frozenset[tuple[int, str]]
"""What a committed transaction wrote: its events' (account id, type) pairs, the type as
``<model>.<action>`` (``crm.account.created``)."""

_listener: Callable[[Written], None] | None = None


def events_listener_set(listener: Callable[[Written], None] | None) -> None:
    """Install the wake-up called after a transaction that wrote events commits, with
    what it wrote (the pairs of events written in a savepoint that rolled back may be
    among them)."""
    global _listener
    _listener = listener


class _Wake:
    """The on-commit hook of one transaction that writes events: the pairs it wrote."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        self.written: set[tuple[int, str]] = set()

    def __call__(self) -> None:
        if _listener is not None:
            _listener(frozenset(self.written))


def _wake_on_commit(changes: Sequence[EventOf]) -> None:
    # One wake-up per transaction, however many events it writes (a cascade writes many).
    # A hook registered in a savepoint that rolled back is gone from the list, so the
    # next event registers another.
    if _listener is None:
        return
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _Wake):
            wake = entry[1]
            break
    else:
        wake = _Wake()
        transaction.on_commit(wake)
    wake.written.update((c.account_id, f"{c.model}.{c.action}") for c in changes)


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
    _wake_on_commit(changes)
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
        _insert_one(events[0])
        return events
    return ChangeEvent.objects.bulk_create(events)


_INSERT_SQL: dict[str, str] = {}


@functools.cache
def _inserted_fields() -> tuple[Field[Any, Any], ...]:
    """Every column of an event but its id, as ``save(force_insert=True)`` writes them."""
    return tuple(field for field in ChangeEvent._meta.concrete_fields if not field.primary_key)


def _insert_sql(connection: Any) -> str:
    """``INSERT … RETURNING id`` of one event, made once per database vendor; every
    record change writes one, and the ORM would compile it again each time (about
    two thirds of what writing an event cost)."""
    sql = _INSERT_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in _inserted_fields())
        values = ", ".join(f"%({field.attname})s" for field in _inserted_fields())
        table, pk = quote(ChangeEvent._meta.db_table), quote(ChangeEvent._meta.pk.column)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {pk}"  # noqa: S608
        _INSERT_SQL[connection.vendor] = sql
    return sql


def _insert_one(event: ChangeEvent) -> None:
    """Insert ``event`` and set its id: the row ``save(force_insert=True)`` would write,
    each value prepared by its model field as the ORM prepares it."""
    connection = transaction.get_connection()
    params = {
        field.attname: field.get_db_prep_save(getattr(event, field.attname), connection)
        for field in _inserted_fields()
    }
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection), params)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


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


def events_waiting(*, limit: int) -> QuerySet[ChangeEvent]:
    """The oldest events not yet dispatched, at most ``limit``, locked for the caller's
    transaction (on PostgreSQL, rows another reader holds are skipped)."""
    rows = ChangeEvent.objects.filter(dispatched_at__isnull=True).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return rows[:limit]


def events_mark_dispatched(*, ids: Iterable[int], at: datetime | None = None) -> int:
    """Record that these events were dispatched. Idempotent; returns the rows marked."""
    return ChangeEvent.objects.filter(pk__in=list(ids), dispatched_at__isnull=True).update(
        dispatched_at=at or timezone.now()
    )
