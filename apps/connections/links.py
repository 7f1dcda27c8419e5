"""One-time connect links: how automation starts *Connect* for an admin.

Authorizing at the outside service happens in a browser, and the ``state`` that comes
back must belong to the browser session that started it (and to the installation), so
an API call cannot start the flow itself. It gets a link instead: signed by the platform
(nobody else can make one), valid for ``LINK_SECONDS``, usable once, for an installation
of the caller's account and, when a person asked for it, for that person only. Opened
in the console by a signed-in admin of the account, it starts the flow in their session
exactly as the Connect button does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.connections.authorization import connection_connect_ready
from apps.connections.errors import ConnectionsError
from apps.connections.services import require_manager
from apps.core.errors import Conflict, NotFound, PermissionDenied
from apps.installations.models import Installation
from apps.installations.selectors import installation_get_for

SALT = "connections.connect-link"
LINK_SECONDS = 600


@dataclass(frozen=True)
class ConnectLink:
    token: str
    expires_at: datetime


def connection_connect_link(*, installation: Installation, actor: Actor) -> ConnectLink:
    """A one-time connect link for ``installation``, for an admin of its account or its
    API key, refused as *Connect* would be (``no_connection``, ``client_missing``,
    ``parameters_missing``). Writes nothing."""
    require_manager(actor, installation)
    connection_connect_ready(installation)
    payload = {"i": installation.pk, "u": actor.user_id, "n": secrets.token_urlsafe(16)}
    token = signing.dumps(payload, salt=SALT)
    return ConnectLink(token=token, expires_at=timezone.now() + timedelta(seconds=LINK_SECONDS))


def _payload(token: str) -> dict[str, Any]:
    try:
        payload = signing.loads(token, salt=SALT, max_age=LINK_SECONDS)
    except signing.SignatureExpired:
        raise Conflict(
            "This connect link has expired (they last 10 minutes): press Connect on the "
            "installed app's Connection page, or ask for a new link.",
            code=ConnectionsError.LINK_EXPIRED,
        ) from None
    except signing.BadSignature:
        raise NotFound("No such connect link.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise NotFound("No such connect link.")
    return payload


def connection_connect_link_open(*, token: str, actor: Actor) -> Installation:
    """The installation a connect link is for, the link spent now: ``NotFound`` for a
    forged link or an installation outside the actor's account, ``PermissionDenied`` for
    a member who is not an admin or another admin than the one the link was made for,
    ``Conflict`` (``link_expired``, ``link_used``) otherwise."""
    payload = _payload(token)
    installation = installation_get_for(actor=actor, installation_id=payload["i"])
    if payload.get("u") is not None and payload["u"] != actor.user_id:
        raise PermissionDenied(
            "This connect link was made for another admin: press Connect on the installed "
            "app's Connection page instead."
        )
    if not cache.add(f"connections.link:{payload['n']}", 1, LINK_SECONDS + 60):
        raise Conflict(
            "This connect link was used already: press Connect on the installed app's "
            "Connection page, or ask for a new link.",
            code=ConnectionsError.LINK_USED,
        )
    return installation
