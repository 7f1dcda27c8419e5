"""A record's values as the console shows them: choices by their label, relations by
their name (linked to their own page when the member may open it), yes/no, times with
their zone, and a dash for nothing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils.dateformat import format as date_format

from apps.core.times import when
from console.records.pages import page_for_model

EMPTY = "\u2014"


@dataclass(frozen=True)
class Value:
    label: str
    text: str
    url: str | None = None
    css: str = ""
    multiline: bool = False


def field_label(model: type[models.Model], name: str) -> str:
    """A field's name for people: its verbose name, capitalised; a relation named after
    the model it points at takes that model's spelling ("CRM account", not "Crm account")."""
    field: Any = model._meta.get_field(name)
    label = str(field.verbose_name)
    related = getattr(field, "related_model", None)
    if isinstance(related, type) and str(related._meta.verbose_name).lower() == label.lower():
        label = str(related._meta.verbose_name)
    return label[:1].upper() + label[1:]


def record_value(record: models.Model, name: str, *, readable: Collection[str]) -> Value:
    """The field ``name`` of ``record`` as text; a relation to a model with pages links
    to its record page when its code is among ``readable``."""
    field = record._meta.get_field(name)
    label = field_label(type(record), name)
    if isinstance(field, models.ForeignKey):
        related = getattr(record, name)
        if related is None:
            return Value(label, EMPTY)
        if field.related_model is get_user_model():
            # A member's name opens their profile (a former member's answers 404).
            profile = reverse("console:accounts:member-profile", kwargs={"user_id": related.pk})
            return Value(label, related.email, profile)
        page = page_for_model(type(related))
        url = None
        if page is not None and page.code in readable:
            url = reverse(page.url_name("detail"), kwargs={"record_id": related.pk})
        return Value(label, str(related), url)
    raw: Any = getattr(record, name)
    if getattr(field, "choices", None):
        return Value(label, str(getattr(record, f"get_{name}_display")()) if raw else EMPTY)
    if isinstance(raw, bool):
        return Value(label, "Yes" if raw else "No")
    if isinstance(raw, datetime):
        return Value(label, when(raw), css="nowrap")
    if isinstance(raw, date):
        return Value(label, date_format(raw, "Y-m-d"), css="nowrap")
    if isinstance(raw, Decimal | int | float) and not isinstance(raw, bool):
        return Value(label, str(raw), css="num")
    if raw is None or raw == "":
        return Value(label, EMPTY)
    if isinstance(field, models.TextField):
        return Value(label, str(raw), multiline=True)
    if isinstance(field, models.URLField | models.EmailField):
        href = f"mailto:{raw}" if isinstance(field, models.EmailField) else str(raw)
        return Value(label, str(raw), href)
    return Value(label, str(raw))
