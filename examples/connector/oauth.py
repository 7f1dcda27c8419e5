"""The OAuth 2.0 client side of the connector: PKCE, the pending-state store, the
authorize URL, and the calls to the marketplace's token, revocation and API endpoints.

Nothing here logs a token or the client secret.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from examples.connector.config import Config

TIMEOUT = 10  # seconds, for every call to the marketplace
STATE_TTL = 600  # a started authorization may take this long to come back


def pkce_pair() -> tuple[str, str]:
    """A fresh PKCE ``(verifier, challenge)`` with the S256 method (RFC 7636).

    The verifier is 64 URL-safe characters (the RFC allows 43 to 128); the challenge is
    ``BASE64URL(SHA256(verifier))`` without padding.
    """
    verifier = secrets.token_urlsafe(48)
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Pending:
    """An authorization this connector started and waits for."""

    state: str
    verifier: str
    created_at: float


@dataclass
class StateStore:
    """Authorizations in flight, keyed by the browser's cookie.

    ``begin`` makes a new ``state`` and PKCE verifier for one browser; ``finish`` hands them
    back once, only to the same browser and only within ``ttl`` seconds, so a callback
    cannot be replayed, answered for someone else, or answered late.
    """

    ttl: float = STATE_TTL
    clock: Callable[[], float] = time.monotonic
    _pending: dict[str, dict[str, Pending]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, session: str) -> Pending:
        pending = Pending(
            state=secrets.token_urlsafe(24), verifier=pkce_pair()[0], created_at=self.clock()
        )
        with self._lock:
            self._drop_expired()
            self._pending.setdefault(session, {})[pending.state] = pending
        return pending

    def finish(self, session: str, state: str) -> Pending | None:
        """The pending authorization of this browser with this ``state``, removed; ``None``
        when there is none (unknown, already used, expired or another browser's)."""
        with self._lock:
            self._drop_expired()
            pending = self._pending.get(session, {}).pop(state, None)
            if session in self._pending and not self._pending[session]:
                del self._pending[session]
        return pending

    def _drop_expired(self) -> None:
        oldest = self.clock() - self.ttl
        for session in list(self._pending):
            alive = {s: p for s, p in self._pending[session].items() if p.created_at >= oldest}
            if alive:
                self._pending[session] = alive
            else:
                del self._pending[session]


# What an install started on the marketplace hands to the install start URL and the
# connector passes on to the authorize request unchanged.
INSTALL_PARAMS = ("account", "version", "install_link")


def authorize_url(config: Config, pending: Pending, extra: Mapping[str, str] | None = None) -> str:
    """Where to send the browser to start: no ``scope`` (the installation's whole grant),
    the connector's own ``state`` and an S256 PKCE challenge; plus, for an install started
    on the marketplace, its ``account``, ``version`` and ``install_link`` (``extra``)."""
    query = {
        "client_id": config.client_id,
        "response_type": "code",
        "redirect_uri": config.redirect_uri,
        "state": pending.state,
        "code_challenge": pkce_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    for name in INSTALL_PARAMS:
        if extra and extra.get(name):
            query[name] = extra[name]
    return config.endpoint("/oauth/authorize/") + "?" + urlencode(query)


class OAuthFailure(Exception):
    """The marketplace refused a token request; ``error`` is the OAuth error code."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.status = status
        self.error = error
        self.description = description


@dataclass
class ApiAnswer:
    """One API call's outcome, for the page: the status and the JSON body (or text)."""

    status: int
    body: Any
    replayed: bool = False  # the answer to an earlier request with the same Idempotency-Key

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class MarketplaceClient:
    """The connector's calls to the marketplace, as a confidential client."""

    def __init__(self, config: Config, session: requests.Session | None = None) -> None:
        self.config = config
        self.http = session or requests.Session()

    def _token_request(self, data: dict[str, str]) -> dict[str, Any]:
        # client_secret_post: the credentials travel in the form body.
        form = {
            **data,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }
        response = self.http.post(self.config.endpoint("/oauth/token/"), data=form, timeout=TIMEOUT)
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise _failure(response.status_code, body)
        return body

    def exchange(self, code: str, verifier: str | None) -> dict[str, Any]:
        """Trade an authorization code for tokens. ``verifier`` is the PKCE verifier when
        the connector started the flow, ``None`` for an install started from the
        marketplace (which sends no challenge)."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
        }
        if verifier:
            data["code_verifier"] = verifier
        return self._token_request(data)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A new access token and a new refresh token; the old refresh token is spent."""
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str, hint: str) -> int:
        """Revoke a token (RFC 7009, credentials with HTTP Basic); returns the status."""
        response = self.http.post(
            self.config.endpoint("/oauth/revoke_token/"),
            data={"token": token, "token_type_hint": hint},
            auth=(self.config.client_id, self.config.client_secret),
            timeout=TIMEOUT,
        )
        return response.status_code

    def introspect(self, access_token: str) -> dict[str, Any]:
        """What the marketplace says about one of our access tokens (RFC 7662, credentials
        with HTTP Basic): ``active``, ``account``, ``username``, ``scope``, ``exp``."""
        response = self.http.post(
            self.config.endpoint("/oauth/introspect/"),
            data={"token": access_token},
            auth=(self.config.client_id, self.config.client_secret),
            timeout=TIMEOUT,
        )
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise _failure(response.status_code, body)
        return body

    def api_get(self, path: str, access_token: str) -> ApiAnswer:
        response = self.http.get(
            self.config.endpoint(path),
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=TIMEOUT,
        )
        return ApiAnswer(status=response.status_code, body=_json(response))

    def api_post(
        self, path: str, access_token: str, body: dict[str, Any], *, idempotency_key: str
    ) -> ApiAnswer:
        """Create through the API. The same ``idempotency_key`` sent again (a retry)
        answers the first result instead of creating twice."""
        response = self.http.post(
            self.config.endpoint(path),
            json=body,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": "application/json",
                "Idempotency-Key": idempotency_key,
            },
            timeout=TIMEOUT,
        )
        return ApiAnswer(
            status=response.status_code,
            body=_json(response),
            replayed=response.headers.get("Idempotent-Replayed") == "true",
        )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


def _failure(status: int, body: Any) -> OAuthFailure:
    if isinstance(body, dict):
        return OAuthFailure(
            status, str(body.get("error", "error")), str(body.get("error_description", ""))
        )
    return OAuthFailure(status, "unexpected_response", str(body)[:200])
