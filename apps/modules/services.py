"""Writes of module data: create, change and delete a record of an account.

Every write is one transaction that also writes its change event(s)
(``apps.modules.events``), so an event exists exactly when its change does. A change is
a compare-and-set on the record's revision when the caller names the revision it saw
(``If-Match``): of two concurrent changes to the same revision exactly one wins and the
other gets ``RecordChanged``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.modules.cascade import cascade_delete
from apps.modules.errors import RecordChanged, RecordInUse
from apps.modules.events import event_write
from apps.modules.models import ChangeEvent, ModuleRecord
from apps.modules.serialize import changed_fields, record_data


class Written(NamedTuple):
    """A record as a write left it, and its body as the API serializes it (the data of
    its change event; ``None`` for a model without registration)."""

    record: ModuleRecord
    data: dict[str, Any] | None


def _event(
    record: ModuleRecord, action: str, actor: Actor, changed: list[str]
) -> dict[str, Any] | None:
    described = record_data(record)
    if described is None:
        return None
    code, data = described
    event_write(
        account_id=record.account_id,
        model=code,
        action=action,
        record_id=record.pk,
        actor=actor,
        data=data,
        changed=changed,
    )
    return data


def record_create(
    *, model: type[ModuleRecord], account_id: int, values: dict[str, Any], actor: Actor
) -> ModuleRecord:
    """A new record of ``model`` in the account ``account_id`` with validated ``values``
    (relations already checked to be of the same account), and its ``created`` event."""
    return record_create_written(
        model=model, account_id=account_id, values=values, actor=actor
    ).record


@transaction.atomic
def record_create_written(
    *, model: type[ModuleRecord], account_id: int, values: dict[str, Any], actor: Actor
) -> Written:
    """``record_create``, answering the record's API body too: the one its event carries,
    so an endpoint need not serialize the record a second time."""
    record = model(account_id=account_id, **values)
    record.save(force_insert=True)
    data = _event(record, ChangeEvent.Action.CREATED, actor, list(values))
    return Written(record, data)


def record_update(
    *,
    record: ModuleRecord,
    values: dict[str, Any],
    actor: Actor,
    expected_revision: int | None = None,
) -> ModuleRecord:
    """Change ``record``'s ``values``, raise its revision by one and write its
    ``updated`` event naming the fields that changed.

    With ``expected_revision`` the change applies only while the record still has that
    revision; else ``RecordChanged`` (409) and nothing is written. Returns the record as
    stored afterwards.
    """
    return record_update_written(
        record=record, values=values, actor=actor, expected_revision=expected_revision
    ).record


@transaction.atomic
def record_update_written(
    *,
    record: ModuleRecord,
    values: dict[str, Any],
    actor: Actor,
    expected_revision: int | None = None,
) -> Written:
    """``record_update``, answering the record's API body too (as
    ``record_create_written``)."""
    model = type(record)
    changed = changed_fields(record, values)
    rows = model._default_manager.filter(pk=record.pk, account_id=record.account_id)
    if expected_revision is not None:
        rows = rows.filter(revision=expected_revision)
    if not rows.update(**values, revision=F("revision") + 1, updated_at=timezone.now()):
        raise RecordChanged(
            f"The {model._meta.verbose_name} {record.pk} changed since revision "
            f"{expected_revision}: read it again and reapply your change.",
            fields={"If-Match": [f'The current ETag is "{_current_revision(record)}".']},
        )
    record.refresh_from_db()
    data = _event(record, ChangeEvent.Action.UPDATED, actor, changed)
    return Written(record, data)


def _current_revision(record: ModuleRecord) -> int | None:
    rows = type(record)._default_manager.filter(pk=record.pk)
    revision: int | None = rows.values_list("revision", flat=True).first()
    return revision


@transaction.atomic
def record_delete(*, record: ModuleRecord, actor: Actor) -> None:
    """Delete ``record``; records that merely point at it lose the link (or go with it,
    for its own parts such as a contact's phones), each with its event. ``RecordInUse``
    (409) when others must not lose it, naming them; nothing is deleted then."""
    try:
        cascade_delete(record=record, actor=actor)
    except models.ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise RecordInUse(
            f"The {record._meta.verbose_name} {record.pk} is still used by "
            f"{len(exc.protected_objects)} of the account's {', '.join(kinds)}: delete or "
            "move them first."
        ) from exc
