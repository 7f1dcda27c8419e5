"""The records that point at a record, for its page: a CRM account's contacts, deals,
invoices, projects and tasks. Only models with pages of their own and that the member may
open; a few of each, newest first, with how many there are and a link to all of them:
the list narrowed to one related record (``?crm_account=7``, ``narrowed_by_relation``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse

from apps.core.api import ID_MAX
from apps.modules.selectors import record_list_for_account
from console.records.display import field_label
from console.records.pages import PAGES, RecordPage, model_fields

SHOWN = 10


@dataclass(frozen=True)
class RelatedList:
    page: RecordPage
    field: str
    rows: list[tuple[str, str]]  # (text, url)
    count: int
    all_url: str


def related_lists(record: models.Model, *, readable: Collection[str]) -> list[RelatedList]:
    found = []
    for page in PAGES:
        if page.code not in readable or not page.registered:
            continue
        for name in model_fields(page.registration):
            field = page.model._meta.get_field(name)
            if not isinstance(field, models.ForeignKey) or field.related_model is not type(record):
                continue
            rows: Any = record_list_for_account(
                model=page.model,
                account_id=record.account_id,  # type: ignore[attr-defined]
            ).filter(**{field.attname: record.pk})
            shown = list(rows.order_by("-pk")[:SHOWN])
            count = len(shown) if len(shown) < SHOWN else rows.count()
            found.append(
                RelatedList(
                    page=page,
                    field=field_label(page.model, name),
                    rows=[
                        (str(r), reverse(page.url_name("detail"), kwargs={"record_id": r.pk}))
                        for r in shown
                    ],
                    count=count,
                    all_url=f"{reverse(page.url_name('list'))}?{name}={record.pk}",
                )
            )
    return found


@dataclass(frozen=True)
class Narrowing:
    """A list narrowed to the records whose relation ``param`` is ``record``."""

    param: str
    label: str
    record: Any


def narrowed_by_relation(
    params: QueryDict, *, page: RecordPage, queryset: QuerySet[Any], account_id: int
) -> tuple[QuerySet[Any], Narrowing | None]:
    """``queryset`` narrowed by the first relation of ``page``'s model named in
    ``params`` with the id of one of the account's records (``?crm_account=7``); a value
    that is not such an id is ignored, as the list's other filters ignore unknown values.
    One query when narrowed, none otherwise."""
    for name in model_fields(page.registration):
        field = page.model._meta.get_field(name)
        related = getattr(field, "related_model", None)
        if not isinstance(field, models.ForeignKey) or related is get_user_model():
            continue
        raw = params.get(name, "")
        if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= ID_MAX:
            continue
        assert isinstance(related, type)
        rows = record_list_for_account(model=related, account_id=account_id)
        target = rows.filter(pk=int(raw)).first()
        if target is None:
            continue
        label = field_label(page.model, name)
        return queryset.filter(**{field.attname: target.pk}), Narrowing(name, label, target)
    return queryset, None
