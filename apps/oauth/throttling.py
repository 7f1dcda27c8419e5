"""Failed client authentication at the token, introspection and revocation endpoints is
rate limited, per client address and per ``client_id``, in the cache every web process
shares (``apps.core.ratelimit``).

Each attempt is counted before the credentials are checked, atomically, so however many
attempts arrive at once in however many processes, at most the limit of them are
checked in any window; an attempt whose client authenticated is taken back at once, so
only failures count and an app that authenticates is never held back by its own
traffic. Over the limit, the endpoint answers 429 with ``Retry-After`` and RFC 6749's
``invalid_client`` body, without checking the credentials.

The window slides (one period), so a ``client_id`` that someone else keeps failing for
(existing or not) is refused for at most one period after the failures stop; the per
address limit, lower, stops a single address first.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.core.ratelimit import RateDecision, SharedRateThrottle, rate_limit_uncount
from apps.oauth.errors import OAuthProtocolError


class AddressFailureThrottle(SharedRateThrottle):
    scope = "oauth_client_auth_address"


class ClientFailureThrottle(SharedRateThrottle):
    scope = "oauth_client_auth_client"


def claimed_client_id(request: HttpRequest) -> str:
    """The ``client_id`` a token-endpoint request claims to be: from HTTP Basic
    (RFC 6749 §2.3.1, form-encoded) or the form body; "" when it names none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote_plus(decoded.split(":", 1)[0])
    return str(request.POST.get("client_id", ""))


@dataclass
class ClientAuthAttempt:
    """One counted attempt: ``refused`` when a limit is reached (``wait`` seconds)."""

    decisions: list[tuple[SharedRateThrottle, RateDecision]]
    refused: bool
    wait: float

    def succeeded(self) -> None:
        """The client authenticated: the attempt no longer counts."""
        for throttle, decision in self.decisions:
            rate_limit_uncount(decision, cache=throttle.cache)


def client_auth_attempt(request: HttpRequest) -> ClientAuthAttempt:
    """Count one client authentication attempt of ``request`` per address and, when it
    names one, per ``client_id``; refused when either limit is reached (and then counted
    in neither)."""
    idents: list[tuple[SharedRateThrottle, str]] = []
    by_address = AddressFailureThrottle()
    idents.append((by_address, by_address.get_ident(request) or "unknown"))
    client_id = claimed_client_id(request)
    if client_id:
        # Hashed: any string may be claimed, and cache keys take only some characters.
        digest = hashlib.sha256(client_id.encode("utf-8")).hexdigest()
        idents.append((ClientFailureThrottle(), digest))
    decisions: list[tuple[SharedRateThrottle, RateDecision]] = []
    for throttle, ident in idents:
        allowed = throttle.allow_ident(ident)
        if not allowed:
            wait = throttle.wait() or 1.0
            attempt = ClientAuthAttempt(decisions, refused=True, wait=wait)
            attempt.succeeded()  # the limits counted so far take it back: not counted
            return attempt
        decisions.append((throttle, throttle.decision))
    return ClientAuthAttempt(decisions, refused=False, wait=0.0)


def too_many_failures(wait: float) -> HttpResponse:
    """429 with ``Retry-After`` and an OAuth error body (RFC 6749 §5.2's
    ``invalid_client``: the client is not authenticated, and says why)."""
    seconds = max(1, math.ceil(wait))
    response = JsonResponse(
        {
            "error": OAuthProtocolError.INVALID_CLIENT,
            "error_description": (
                f"Too many failed client authentications; retry after {seconds} seconds."
            ),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def with_client_auth_throttle(
    request: HttpRequest, handle: Callable[[], HttpResponse]
) -> HttpResponse:
    """Run ``handle`` (an endpoint that authenticates the client) under the failure
    limits: refused with 429 when one is reached; counted when the client failed to
    authenticate (401), taken back otherwise."""
    attempt = client_auth_attempt(request)
    if attempt.refused:
        return too_many_failures(attempt.wait)
    response = handle()
    if response.status_code != 401:
        attempt.succeeded()
    return response
