"""A record as the API serializes it, for change events (no query: relations are ids)."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.modules.registry import registration_for_model


def record_data(record: models.Model) -> tuple[str, dict[str, Any]] | None:
    """The record's catalog model code and its API body; ``None`` for a model that is
    not registered (it has no API shape and no events)."""
    registration = registration_for_model(type(record))
    if registration is None:
        return None
    account_id = getattr(record, "account_id", None)
    body = registration.serializer(record, context={"account_id": account_id}).data
    return registration.code, dict(body)


def changed_fields(record: models.Model, values: dict[str, Any]) -> list[str]:
    """The names in ``values`` whose value differs from ``record``'s (relations compared
    by id, without loading them)."""
    changed = []
    for name, value in values.items():
        field = record._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            current = getattr(record, field.attname)
            new = value.pk if value is not None else None
        else:
            current, new = getattr(record, name), value
        if current != new:
            changed.append(name)
    return changed
