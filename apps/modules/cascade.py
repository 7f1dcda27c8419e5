"""What deleting a record takes with it, so each record it deletes or changes gets its
change event: its parts that go with it (a contact's phones) and the records that lose
their link to it (a company's contacts). Uses Django's deletion collector, as
``Model.delete()`` does, and deletes through it."""

from __future__ import annotations

from typing import Any

from django.db import models, router
from django.db.models import F
from django.db.models.deletion import Collector
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.modules.events import event_write
from apps.modules.models import ChangeEvent
from apps.modules.serialize import record_data


def _instances(objs: Any) -> list[models.Model]:
    return list(objs)


def cascade_delete(*, record: models.Model, actor: Actor) -> None:
    """Delete ``record`` and what goes with it, writing one event per deleted record and
    per record whose link is cleared (its revision raised too). Raises Django's
    ``ProtectedError`` (nothing deleted) when a protected relation points at it. Runs in
    the caller's transaction."""
    collector = Collector(using=router.db_for_write(type(record)), origin=record)
    collector.collect([record])
    deleted = [obj for objs in collector.data.values() for obj in objs]
    deleted += [obj for qs in collector.fast_deletes for obj in _instances(qs)]
    cleared: list[tuple[models.Model, str]] = []
    for (field, value), groups in collector.field_updates.items():
        for objs in groups:
            for obj in _instances(objs):
                setattr(obj, field.attname, value)
                cleared.append((obj, field.name))
    for obj in deleted:
        _write(obj, ChangeEvent.Action.DELETED, actor, changed=())
    collector.delete()
    now = timezone.now()
    for obj, field_name in cleared:
        type(obj)._default_manager.filter(pk=obj.pk).update(
            revision=F("revision") + 1, updated_at=now
        )
        obj.revision += 1  # type: ignore[attr-defined]
        obj.updated_at = now  # type: ignore[attr-defined]
        _write(obj, ChangeEvent.Action.UPDATED, actor, changed=(field_name,))


def _write(obj: models.Model, action: str, actor: Actor, *, changed: Any) -> None:
    described = record_data(obj)
    if described is None:
        return
    code, data = described
    event_write(
        account_id=obj.account_id,  # type: ignore[attr-defined]
        model=code,
        action=action,
        record_id=obj.pk,
        actor=actor,
        data=data,
        changed=changed,
    )
