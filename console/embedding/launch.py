"""A frame's lazy launch: the address a dashboard widget's frame has on the home page is
a signed launch URL of the marketplace, and the launch token is signed only when the
browser loads the frame (``console:embedding:launch``), which then sends the frame on to
the app's page with the launch context and the token, as an eager frame has them. A home
with N widgets signs N HMACs rather than N ES256 launch tokens.

The URL is bound to the user and their session (a hash of the session key), to the
installation, the embedding and the record, and lives ``LAUNCH_URL_MAX_AGE`` seconds:
only a page the marketplace showed this session can launch, and a copy of it is of no use
to anyone else. The launch still checks, at load, that the member may open the embedding
(and see the record)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

from apps.embedding.selectors import Placement

SALT = "console.embedding.launch"
LAUNCH_URL_MAX_AGE = 3600  # seconds: a frame reloaded later than this asks for a page reload


class LaunchRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _binding(request: HttpRequest) -> str:
    key = request.session.session_key or ""
    return hashlib.sha256(f"{SALT}:{key}".encode()).hexdigest()[:24]


def _value(
    request: HttpRequest, installation_id: int, embedding_id: str, record: str | None
) -> dict[str, Any]:
    return {
        "u": request.user.pk,
        "s": _binding(request),
        "i": installation_id,
        "e": embedding_id,
        "r": record,
    }


def launch_url_for(
    request: HttpRequest, *, placement: Placement, record: dict[str, Any] | None = None
) -> str:
    """The signed launch URL of ``placement`` (and ``record`` on a record card) for the
    request's user, in this session."""
    installation_id = placement.installation.pk
    record_text = f"{record['model']}:{record['id']}" if record else None
    signed = signing.dumps(
        _value(request, installation_id, placement.embedding_id, record_text), salt=SALT
    )
    path = reverse(
        "console:embedding:launch",
        kwargs={"installation_id": installation_id, "embedding_id": placement.embedding_id},
    )
    return f"{path}?{urlencode({'launch': signed})}"


def launch_url_check(
    request: HttpRequest, *, installation_id: int, embedding_id: str, signed: str
) -> str | None:
    """The record (``<model>:<id>``, or ``None``) a launch URL names, once its signature,
    age, user, session, installation and embedding hold; else ``LaunchRefused``."""
    try:
        value = signing.loads(signed, salt=SALT, max_age=LAUNCH_URL_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LaunchRefused("This app's frame has expired: reload the page.", 410) from exc
    except signing.BadSignature as exc:
        raise LaunchRefused("This is not a launch of the marketplace.", 400) from exc
    record = value.get("r") if isinstance(value, dict) else None
    if value != _value(request, installation_id, embedding_id, record):
        raise LaunchRefused("This launch was made for someone else: reload the page.", 403)
    return record
