"""A value shown once (a new API key, client secret or install link) across a
post/redirect/get.

The POST that makes the value holds it in the session with ``shown_once_hold`` and
redirects to a GET page about the object; that page takes it out with ``shown_once_pop``
and shows it. Reload, Back or a second tab then find nothing, so the write is never
repeated and the value never shown twice: the page says it was shown once and how to get
a new one. Only the browser session that made the value can see it.

The value is held encrypted (``apps.core.session_values``) and dropped after ``MAX_AGE``
if the redirect is never followed.
"""

from __future__ import annotations

from django.http import HttpRequest

from apps.core.session_values import session_value_hold, session_value_pop

SESSION_KEY = "console.shown_once"
# Long enough for any redirect to arrive; short enough that a value left behind by a
# redirect never followed does not outlive the moment.
MAX_AGE = 10 * 60


def shown_once_hold(request: HttpRequest, *, slot: str, value: str) -> None:
    """Hold ``value`` for the next ``shown_once_pop`` of ``slot`` in this session.

    ``slot`` names what the value belongs to (``"api_key:12"``), so two values made in two
    tabs wait side by side. Holding a slot again replaces its value.
    """
    session_value_hold(request.session, key=SESSION_KEY, slot=slot, value=value, max_age=MAX_AGE)


def shown_once_pop(request: HttpRequest, *, slot: str) -> str | None:
    """The value held for ``slot``, removed from the session; ``None`` when it was
    already shown, is too old, or was never held in this session."""
    held = session_value_pop(request.session, key=SESSION_KEY, slot=slot, max_age=MAX_AGE)
    return held.value if held is not None else None
