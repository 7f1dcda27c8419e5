"""Writes of module data: create, change and delete a record of an account.

Every write is one transaction. A change is a compare-and-set on the record's revision
when the caller names the revision it saw (``If-Match``), so of two concurrent changes
to the same revision exactly one wins and the other gets ``RecordChanged``.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.modules.errors import RecordChanged, RecordInUse
from apps.modules.models import ModuleRecord


@transaction.atomic
def record_create(
    *, model: type[ModuleRecord], account_id: int, values: dict[str, Any], actor: Actor
) -> ModuleRecord:
    """A new record of ``model`` in the account ``account_id`` with validated ``values``
    (relations already checked to be of the same account)."""
    record = model(account_id=account_id, **values)
    record.save(force_insert=True)
    return record


@transaction.atomic
def record_update(
    *,
    record: ModuleRecord,
    values: dict[str, Any],
    actor: Actor,
    expected_revision: int | None = None,
) -> ModuleRecord:
    """Change ``record``'s ``values`` and raise its revision by one.

    With ``expected_revision`` the change applies only while the record still has that
    revision; else ``RecordChanged`` (409) and nothing is written. Returns the record as
    stored afterwards.
    """
    model = type(record)
    rows = model._default_manager.filter(pk=record.pk, account_id=record.account_id)
    if expected_revision is not None:
        rows = rows.filter(revision=expected_revision)
    changed = rows.update(**values, revision=F("revision") + 1, updated_at=timezone.now())
    if not changed:
        raise RecordChanged(
            f"The {model._meta.verbose_name} {record.pk} changed since revision "
            f"{expected_revision}: read it again and reapply your change.",
            fields={"If-Match": [f'The current ETag is "{_current_revision(record)}".']},
        )
    record.refresh_from_db()
    return record


def _current_revision(record: ModuleRecord) -> int | None:
    rows = type(record)._default_manager.filter(pk=record.pk)
    revision: int | None = rows.values_list("revision", flat=True).first()
    return revision


@transaction.atomic
def record_delete(*, record: ModuleRecord, actor: Actor) -> None:
    """Delete ``record``; records that merely point at it lose the link (or go with it,
    for its own parts such as a contact's phones). ``RecordInUse`` (409) when others
    must not lose it, naming them; nothing is deleted then."""
    try:
        record.delete()
    except models.ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise RecordInUse(
            f"The {record._meta.verbose_name} {record.pk} is still used by "
            f"{len(exc.protected_objects)} of the account's {', '.join(kinds)}: delete or "
            "move them first."
        ) from exc
