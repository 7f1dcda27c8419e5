"""Times as people read them: always with their time zone.

Every datetime the product shows (console pages, OAuth pages, e-mails, messages) goes
through ``when``: in the current time zone (``settings.TIME_ZONE``, UTC by default,
unless a request activated another) and followed by that zone's name, e.g.
``2026-12-07 09:30 UTC``. Templates use the ``when`` filter of the ``times`` library.
Nobody has to guess whether a time is theirs, the server's or UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils import timezone
from django.utils.dateformat import format as date_format

Precision = Literal["minute", "second", "time"]

FORMATS: dict[str, str] = {
    "minute": "Y-m-d H:i T",
    "second": "Y-m-d H:i:s T",
    "time": "H:i T",
}


def when(value: datetime, *, precision: Precision = "minute") -> str:
    """``value`` in the current time zone with the zone's name: ``2026-12-07 09:30 UTC``
    (``precision="second"``: ``2026-12-07 09:30:15 UTC``; ``"time"``: ``09:30 UTC``).
    A naive datetime is taken to be in the current time zone already."""
    value = timezone.localtime(value) if timezone.is_aware(value) else timezone.make_aware(value)
    return date_format(value, FORMATS[precision])
