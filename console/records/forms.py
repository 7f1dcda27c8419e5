"""The form of a record page, made from the model's registration.

The form renders and parses the writable fields of the registration's serializer;
relations offer only the account's own records (the owner: the account's members). What
the form accepts is then checked by the registration's serializer, the same rules as
the App API's (relations within the account, the model's validators, the cross-field
checks), and its errors are shown under the field they name. Nothing is written until
both agree.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db import models

from apps.modules.registry import Registration
from console.records.display import field_label
from console.records.pages import model_fields


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.email)


def writable_fields(registration: Registration) -> list[str]:
    """The fields a record page may write, in the registration's order, the owner last."""
    return model_fields(registration, writable=True)


def _form_field(model: type[models.Model], name: str, account_id: int) -> forms.Field:
    field = model._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        assert isinstance(related, type)
        if related is get_user_model():
            queryset = related._default_manager.filter(memberships__account_id=account_id)
            return MemberChoiceField(
                queryset=queryset.order_by("email"),
                required=not field.blank,
                label=_label(field),
                empty_label="Nobody",
            )
        return forms.ModelChoiceField(
            queryset=related._default_manager.filter(account_id=account_id),
            required=not field.blank,
            label=_label(field),
            empty_label="None" if field.blank else "Choose one",
        )
    widgets: dict[type[models.Field[Any, Any]], type[forms.Widget]] = {
        models.DateTimeField: DateTimeInput,
        models.DateField: DateInput,
    }
    widget = next((w for kind, w in widgets.items() if isinstance(field, kind)), None)
    extra: dict[str, Any] = {"widget": widget} if widget else {}
    if isinstance(field, models.URLField):
        extra["assume_scheme"] = "https"
    form_field = field.formfield(**extra)  # type: ignore[union-attr]
    assert form_field is not None
    form_field.label = _label(field)
    return form_field


def _label(field: Any) -> str:
    return field_label(field.model, field.name)


class RecordForm(forms.Form):
    """A record's writable fields, and the revision the member saw (so a change made
    meanwhile by someone else is refused rather than overwritten)."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args: Any,
        registration: Registration,
        account_id: int,
        record: Any = None,
        **kwargs: Any,
    ) -> None:
        self.registration = registration
        self.account_id = account_id
        self.record = record
        if record is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: _initial(record, name) for name in writable_fields(registration)},
                "revision": record.revision,
            }
        super().__init__(*args, **kwargs)
        for name in writable_fields(registration):
            self.fields[name] = _form_field(registration.model, name, account_id)
        self.order_fields([*writable_fields(registration), "revision"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        payload = {
            name: _api_value(cleaned.get(name)) for name in writable_fields(self.registration)
        }
        serializer = self.registration.serializer(
            instance=self.record,
            data=payload,
            partial=self.record is not None,
            context={"account_id": self.account_id},
        )
        if not serializer.is_valid():
            for name, messages in serializer.errors.items():
                target = name if name in self.fields else None
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(target, str(message))
            return cleaned
        self.values: dict[str, Any] = dict(serializer.validated_data)
        return cleaned


def _initial(record: Any, name: str) -> Any:
    field = record._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(record, field.attname)
    return getattr(record, name)


def _api_value(value: Any) -> Any:
    """A cleaned form value as the serializer takes it: relations by id."""
    if isinstance(value, models.Model):
        return value.pk
    return value
