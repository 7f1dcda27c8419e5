"""The records that point at a record, for its page: a CRM account's contacts, deals,
invoices, projects and tasks. Only models with pages of their own and that the member may
open; a few of each, newest first, with how many there are."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import reverse

from apps.modules.selectors import record_list_for_account
from console.records.pages import PAGES, RecordPage, model_fields

SHOWN = 10


@dataclass(frozen=True)
class RelatedList:
    page: RecordPage
    field: str
    rows: list[tuple[str, str]]  # (text, url)
    count: int


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
                    field=str(field.verbose_name),
                    rows=[
                        (str(r), reverse(page.url_name("detail"), kwargs={"record_id": r.pk}))
                        for r in shown
                    ],
                    count=count,
                )
            )
    return found
