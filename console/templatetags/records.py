from collections.abc import Collection
from dataclasses import replace
from typing import Any

from django import template
from django.urls import reverse

from console.records.display import EMPTY, Value, record_value
from console.records.pages import RecordPage

register = template.Library()


@register.simple_tag
def record_cells(record: Any, page: RecordPage, readable: Collection[str]) -> list[Value]:
    """The list columns of ``page`` for one ``record`` (``console.records.display``); the
    first links to the record's own page."""
    cells = [record_value(record, name, readable=readable) for name in page.columns]
    first = cells[0]
    cells[0] = replace(
        first,
        text=first.text if first.text != EMPTY else str(record) or f"#{record.pk}",
        url=reverse(page.url_name("detail"), kwargs={"record_id": record.pk}),
    )
    return cells


@register.simple_tag
def record_url(page: RecordPage, verb: str, record: Any = None) -> str:
    """The URL of one of ``page``'s routes: ``{% record_url page "edit" record %}``."""
    kwargs = {"record_id": record.pk} if record is not None else {}
    return reverse(page.url_name(verb), kwargs=kwargs)
