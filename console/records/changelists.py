"""The changelist of a record page: the page's columns, its choice and yes/no filters,
the registration's search fields; relations shown are joined, so the list costs a COUNT
and the page whatever the number of rows."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from console.changelist import ChangeList, Column, Filter, boolean_filter
from console.records.display import field_label
from console.records.pages import RecordPage


def _column(model: type[models.Model], name: str) -> Column:
    field = model._meta.get_field(name)
    relation = isinstance(field, models.ForeignKey)
    numeric = isinstance(field, models.DecimalField | models.IntegerField)
    return Column(
        name,
        field_label(model, name),
        sort=None if relation else name,
        css="num" if numeric else "",
    )


def _filter(model: type[models.Model], name: str) -> Filter:
    field = model._meta.get_field(name)
    label = field_label(model, name)
    if isinstance(field, models.BooleanField):
        return boolean_filter(name, label, name)
    choices = [(str(value), str(text)) for value, text in field.choices or ()]  # type: ignore[union-attr]
    return Filter(name, label, choices=choices, lookup=name)


class RecordChangeList(ChangeList):
    """A changelist whose search form keeps the list's narrowing to one related record."""

    keep: tuple[str, str] | None = None

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        return [*super().hidden_params, *([self.keep] if self.keep else [])]


def record_changelist(
    request: HttpRequest,
    *,
    page: RecordPage,
    queryset: QuerySet[Any],
    keep: tuple[str, str] | None = None,
) -> ChangeList:
    model = page.model
    relations = [
        name for name in page.columns if isinstance(model._meta.get_field(name), models.ForeignKey)
    ]
    cl = RecordChangeList(
        request,
        queryset.select_related(*relations),
        columns=[_column(model, name) for name in page.columns],
        row_template="console/records/includes/record_row.html",
        search_fields=list(page.registration.search_fields),
        search_placeholder="Search "
        + ", ".join(field_label(model, n).lower() for n in page.registration.search_fields),
        filters=[_filter(model, name) for name in page.filters],
        default_sort=page.sort,
        page_size=25,
        empty_message=f"No {model._meta.verbose_name_plural} yet.",
        object_name=page.noun,
    )
    cl.keep = keep
    return cl
