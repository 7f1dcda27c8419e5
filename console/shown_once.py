"""A value shown once (a new API key, client secret or install link) across a
post/redirect/get.

The POST that makes the value holds it in the session with ``shown_once_hold`` and
redirects to a GET page about the object; that page takes it out with ``shown_once_pop``
and shows it. Reload, Back or a second tab then find nothing, so the write is never
repeated and the value never shown twice: the page says it was shown once and how to get
a new one. Only the browser session that made the value can see it.

The value is encrypted in the session (sessions are stored server side, and a secret
must never sit there in plain text) and dropped after ``MAX_AGE`` if the redirect is
never followed.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from apps.core.crypto import DecryptionFailed, decrypt, encrypt

SESSION_KEY = "console.shown_once"
# Long enough for any redirect to arrive; short enough that a value left behind by a
# redirect never followed does not outlive the moment.
MAX_AGE = 10 * 60


def _live(held: dict[str, Any], now: float) -> dict[str, Any]:
    """The held entries younger than ``MAX_AGE``."""
    return {slot: entry for slot, entry in held.items() if now - entry["at"] < MAX_AGE}


def shown_once_hold(request: HttpRequest, *, slot: str, value: str) -> None:
    """Hold ``value`` for the next ``shown_once_pop`` of ``slot`` in this session.

    ``slot`` names what the value belongs to (``"api_key:12"``), so two values made in two
    tabs wait side by side. Holding a slot again replaces its value.
    """
    now = time.time()
    held = _live(request.session.get(SESSION_KEY, {}), now)
    held[slot] = {"value": encrypt(value), "at": now}
    request.session[SESSION_KEY] = held


def shown_once_pop(request: HttpRequest, *, slot: str) -> str | None:
    """The value held for ``slot``, removed from the session; ``None`` when it was
    already shown, is too old, or was never held in this session."""
    now = time.time()
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return None
    held = _live(stored, now)
    entry = held.pop(slot, None)
    if held:
        request.session[SESSION_KEY] = held
    else:
        del request.session[SESSION_KEY]
    if entry is None:
        return None
    try:
        return decrypt(entry["value"])
    except DecryptionFailed:  # ENCRYPTION_KEYS changed in between
        return None
