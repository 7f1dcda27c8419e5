"""Verifying the marketplace's launch token before trusting anything about who opened an
embedded page.

The marketplace signs a launch token (a JWT, ES256) each time it shows one of our pages
and each time the page asks the SDK for one (``launchToken()``). We check it against the
marketplace's public keys (``/.well-known/jwks.json``, fetched again when a token names a
key we do not know, at most every 30 seconds): the signature, the issuer (the marketplace
we are registered with), the audience (our client id), the expiry (at most five minutes
after issue) and, for API calls, that its ``jti`` was not used before. The query
parameters of the page are for display only: anyone can write them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from joserfc.jwt import JWTClaimsRegistry

from examples.connector.config import Config

ALGORITHMS = ["ES256"]
MAX_LIFETIME = 300  # seconds: the marketplace never signs a longer-lived launch token
LEEWAY = 30  # seconds of clock difference tolerated
REFETCH_AFTER = 30  # seconds between two fetches of the key set for an unknown key


class LaunchRefused(Exception):
    """The token is not one the marketplace signed for us, now; the message says why."""


@dataclass(frozen=True)
class Launch:
    """Who opened the page, where, with what access: the verified claims."""

    user_id: str
    account: str
    installation: int
    location: str
    embedding_id: str
    lang: str
    access: tuple[str, ...]
    record: dict[str, Any] | None
    jti: str
    expires_at: int


class LaunchVerifier:
    def __init__(
        self,
        config: Config,
        *,
        fetch_jwks: Callable[[], dict[str, Any]] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = config.marketplace_url
        self.audience = config.client_id
        self._jwks_url = config.endpoint("/.well-known/jwks.json")
        self._fetch = fetch_jwks or self._fetch_over_http
        self._now = now
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._seen: dict[str, int] = {}

    def _fetch_over_http(self) -> dict[str, Any]:
        response = requests.get(self._jwks_url, timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def _key_set(self, kid: str) -> KeySet:
        with self._lock:
            known = self._keys is not None and any(key.kid == kid for key in self._keys.keys)
            if not known and (
                self._keys is None or self._now() - self._fetched_at >= REFETCH_AFTER
            ):
                try:
                    self._keys = KeySet.import_key_set(self._fetch())  # type: ignore[arg-type]
                except (requests.RequestException, ValueError, JoseError) as exc:
                    raise LaunchRefused(
                        f"the marketplace's keys could not be read ({type(exc).__name__})"
                    ) from exc
                self._fetched_at = self._now()
            assert self._keys is not None
            return self._keys

    def verify(self, token: str, *, once: bool = False) -> Launch:
        """The verified launch, or ``LaunchRefused``. ``once``: refuse a token whose
        ``jti`` was seen before (for API calls, which take a fresh token each time)."""
        if not token:
            raise LaunchRefused("no launch token")
        try:
            header = extract_compact(token.encode()).protected
        except (JoseError, ValueError) as exc:
            raise LaunchRefused("not a signed token") from exc
        if header.get("alg") not in ALGORITHMS:
            raise LaunchRefused(f"unexpected algorithm {header.get('alg')!r}")
        kid = str(header.get("kid") or "")
        keys = self._key_set(kid)
        if not any(key.kid == kid for key in keys.keys):
            raise LaunchRefused("signed with a key the marketplace does not publish")
        try:
            claims = jwt.decode(token, keys, algorithms=ALGORITHMS).claims
        except (JoseError, ValueError) as exc:
            raise LaunchRefused("the signature does not match") from exc
        registry = JWTClaimsRegistry(
            now=int(self._now()),
            leeway=LEEWAY,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            sub={"essential": True},
            jti={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise LaunchRefused(f"{exc.error}: {exc.description}") from exc
        if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME:
            raise LaunchRefused("it lives longer than a launch token may")
        if once:
            self._remember(str(claims["jti"]), int(claims["exp"]))
        return Launch(
            user_id=str(claims["sub"]),
            account=str(claims.get("account", "")),
            installation=int(claims.get("installation", 0)),
            location=str(claims.get("location", "")),
            embedding_id=str(claims.get("embedding_id", "")),
            lang=str(claims.get("lang", "")),
            access=tuple(claims.get("access") or ()),
            record=claims.get("record"),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
        )

    def _remember(self, jti: str, expires_at: int) -> None:
        with self._lock:
            now = self._now()
            for old in [j for j, exp in self._seen.items() if exp + LEEWAY < now]:
                del self._seen[old]
            if jti in self._seen:
                raise LaunchRefused("this launch token was used before")
            self._seen[jti] = expires_at
