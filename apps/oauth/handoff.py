"""The way back to the app, held while the admin who just installed it sets it up.

An install (or an update) whose version has required app-level settings with no value
"needs setup". Going straight back to the app would leave them empty with nothing saying
so; dropping the OAuth redirect would leave the app without its code. So, as Shopify and
Atlassian do, the authorize view keeps the redirect it just built (the redirect URI the
app's manifest registers, with the code, the ``state`` and the ``account``) in the
session, bound to that installation, and sends the admin to the installation's settings
form. The form hands the browser on after a valid save or an explicit "Skip for now".

The address never comes from a request: only the authorize view writes it, after
oauthlib validated the redirect URI, so the form cannot be made into an open redirect.
It carries the authorization code, so it is held encrypted
(``apps.core.session_values``), like every secret kept in a session.
The code keeps running out meanwhile (``AUTHORIZATION_CODE_EXPIRE_SECONDS``, 10 minutes);
the form says until when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from apps.core.session_values import (
    Held,
    session_value_get,
    session_value_hold,
    session_value_pop,
)

SESSION_KEY = "oauth_setup_handoffs"

# A browser rarely has more than one install waiting; a forgotten one goes stale once its
# code has long expired.
MAX_HELD = 5
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Handoff:
    """The redirect back to the app for one installation, and when its code was issued."""

    installation_id: int
    redirect_uri: str
    issued_at: datetime

    @property
    def code_expires_at(self) -> datetime:
        return self.issued_at + timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS)

    @property
    def code_expired(self) -> bool:
        return timezone.now() >= self.code_expires_at


def _handoff(installation_id: int, held: Held | None) -> Handoff | None:
    if held is None:
        return None
    return Handoff(
        installation_id=installation_id,
        redirect_uri=held.value,
        issued_at=datetime.fromtimestamp(held.held_at, tz=UTC),
    )


def handoff_hold(session: Any, *, installation_id: int, redirect_uri: str) -> Handoff:
    """Keep ``redirect_uri`` (built by the authorize view, code included) for the
    installation's settings form; replaces one held before for the same installation."""
    held = session_value_hold(
        session,
        key=SESSION_KEY,
        slot=str(installation_id),
        value=redirect_uri,
        max_age=STALE_AFTER.total_seconds(),
        max_held=MAX_HELD,
    )
    return Handoff(
        installation_id=installation_id,
        redirect_uri=redirect_uri,
        issued_at=datetime.fromtimestamp(held.held_at, tz=UTC),
    )


def handoff_get(session: Any, *, installation_id: int) -> Handoff | None:
    """The redirect held for the installation, if any."""
    return _handoff(installation_id, _slot(session_value_get, session, installation_id))


def handoff_pop(session: Any, *, installation_id: int) -> Handoff | None:
    """The redirect held for the installation, removed: it is followed once."""
    return _handoff(installation_id, _slot(session_value_pop, session, installation_id))


def _slot(read: Callable[..., Held | None], session: Any, installation_id: int) -> Held | None:
    return read(
        session, key=SESSION_KEY, slot=str(installation_id), max_age=STALE_AFTER.total_seconds()
    )
