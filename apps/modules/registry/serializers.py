"""The API serializer a registration gets unless it brings its own: a ``ModelSerializer``
of the declared fields whose relations reach only the caller's account.

A relation's id is looked up among the account's own rows (records of the model, users
who are members of the account): an id of another account is refused like an unknown
one, "not found" under the field's name, so a write never learns another account's data.
The serializer needs ``context["account_id"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers

from apps.core.api import ID_MAX

COMMON_READ_ONLY = ("id", "created_at", "updated_at")


class AccountRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A relation by id, among the rows of the serializer's ``context["account_id"]``."""

    default_error_messages = {
        "does_not_exist": "Not found: there is no {model} {pk_value} in this account.",
        "incorrect_type": "Give the id as a number, not {data_type}.",
    }

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        assert queryset is not None  # a writable relation always has one
        account_id = self.context.get("account_id")
        if account_id is None:
            return queryset.none()
        if queryset.model is get_user_model():
            return queryset.filter(memberships__account_id=account_id)
        return queryset.filter(account_id=account_id)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        queryset = self.get_queryset()
        record = queryset.filter(pk=int(data)).first() if int(data) <= ID_MAX else None
        if record is None:
            model = queryset.model._meta.verbose_name
            self.fail("does_not_exist", model=model, pk_value=data)
        return record


class RecordSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Base of generated record serializers: relations through ``AccountRelatedField``,
    the owner among the account's members, and the registration's cross-field check."""

    serializer_related_field = AccountRelatedField
    cross_check: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None

    def to_internal_value(self, data: Any) -> Any:
        """The fields' own checks, and every field that cannot be written named too."""
        unknown = self._unwritable(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            raise serializers.ValidationError({**detail, **unknown}) from exc
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def _unwritable(self, data: Any) -> dict[str, list[str]]:
        if not isinstance(data, dict):
            return {}
        writable = {name for name, field in self.fields.items() if not field.read_only}
        return {
            name: ["This field cannot be written." if name in self.fields else "Unknown field."]
            for name in sorted(set(data) - writable)
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        check = type(self).cross_check
        if check is not None:
            attrs = check(attrs, self.instance)
        return attrs


def record_serializer(
    model: type[models.Model],
    fields: Sequence[str],
    read_only: Sequence[str] = (),
    validate: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
) -> type[RecordSerializer]:
    """A ``RecordSerializer`` of ``model``: ``id``, ``owner``, ``fields`` and the
    timestamps; ``read_only`` fields are answered but not written."""
    all_fields = ("id", "owner", *fields, "created_at", "updated_at")
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": all_fields,
            "read_only_fields": (*COMMON_READ_ONLY, *read_only),
        },
    )
    attrs: dict[str, Any] = {"Meta": meta, "__module__": __name__}
    if validate is not None:
        attrs["cross_check"] = staticmethod(validate)
    return type(f"{model.__name__}Serializer", (RecordSerializer,), attrs)
