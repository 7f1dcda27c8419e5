"""``{% load times %}``: the one way templates show a datetime (see ``apps.core.times``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from apps.core.times import FORMATS
from apps.core.times import when as _when

register = template.Library()


@register.filter
def when(value: Any, precision: str = "minute") -> str:
    """``{{ job.created_at|when }}`` → ``2026-12-07 09:30 UTC``; ``|when:"second"`` adds the
    seconds, ``|when:"time"`` leaves the date out. Anything but a datetime (``None``,
    say) gives an empty string, so ``|default:"—"`` works after it."""
    if not isinstance(value, datetime):
        return ""
    if precision not in FORMATS:
        raise template.TemplateSyntaxError(
            f"when: unknown precision {precision!r}; use one of {', '.join(FORMATS)}."
        )
    return _when(value, precision=precision)  # type: ignore[arg-type]
