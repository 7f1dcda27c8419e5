"""The django-filter ``FilterSet`` a registration gets unless it brings its own.

Every record filters on ``owner`` (a user id) and ``updated_since`` (an ISO 8601 time:
records changed at or after it). A registration adds exact filters on its own fields:
relations by id (``?contact=12``), choices by value (``?status=open``) and the rest as
typed exact matches. Bad values are refused naming the parameter.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django import forms
from django.db import models
from django.http import QueryDict
from django_filters import rest_framework as filters

from apps.core.api import ID_MAX


class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """A row id: a whole number from 1 to the largest id a row can have."""

    field_class = forms.IntegerField


def _relation_filter(field: models.Field[Any, Any]) -> IdFilter:
    # By the column, without loading the related row: the id is compared, and an id of
    # another account matches nothing of this account's rows.
    return IdFilter(
        field_name=field.attname,
        min_value=1,
        max_value=ID_MAX,
        help_text=f"Only records whose {field.name} has this id.",
    )


class RecordFilterSet(filters.FilterSet):  # type: ignore[misc]
    """A ``FilterSet`` made for every list request at less cost than django-filter's:
    its form class is made once per filterset class (django-filter makes a new one per
    request: about a tenth of a list's time), and each request's filters are shallow
    copies of the class's (django-filter deep-copies them all). The filters' settings
    never change per request here; what does (``model``, ``parent``) is set on the
    request's own copies, as django-filter does."""

    def __init__(
        self,
        data: Any = None,
        queryset: Any = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # django-filter's BaseFilterSet.__init__, but for the copy of the filters.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(each) for name, each in self.base_filters.items()}
        for each in self.filters.values():
            each.model = queryset.model
            each.parent = self

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        made: type[forms.Form] | None = cls.__dict__.get("_form_class")
        if made is None:
            made = super().get_form_class()
            made.base_fields = _FormFields(made.base_fields)
            cls._form_class = made
        return made


class _FormFields(dict[str, forms.Field]):
    """A filter form's ``base_fields``, which every form deep-copies when it is made
    (about half of what a list's filtering cost). Each form gets its own field objects
    sharing their widget, messages, validators and choices: the form validates the
    request's values and may be shown, neither of which changes those."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: copy.copy(field) for name, field in self.items()}


def record_filterset(model: type[models.Model], names: Sequence[str]) -> type[filters.FilterSet]:
    """A ``FilterSet`` of ``model`` with ``owner``, ``updated_since`` and ``names``."""
    declared: dict[str, Any] = {
        "owner": _relation_filter(model._meta.get_field("owner")),  # type: ignore[arg-type]
        "updated_since": filters.IsoDateTimeFilter(
            field_name="updated_at",
            lookup_expr="gte",
            help_text="Only records changed at or after this time (ISO 8601).",
        ),
    }
    exact: list[str] = []
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            declared[name] = _relation_filter(field)
        else:
            exact.append(name)
    meta = type("Meta", (), {"model": model, "fields": exact})
    declared["Meta"] = meta
    declared["__module__"] = __name__
    return type(f"{model.__name__}FilterSet", (RecordFilterSet,), declared)
