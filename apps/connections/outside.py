"""The platform as OAuth 2.0 client of an outside service, on Authlib's httpx client and
the outbound rules of ``apps.core.outbound`` (public addresses only unless allow-listed,
timeouts, no redirects, capped answers). No ORM here: the services pass what they read.

Every failure is an ``OutsideFailure`` whose ``error`` is the outside service's OAuth
error code (``invalid_grant``, ``access_denied``...) or an outbound failure code, and
whose ``message`` is in plain words and carries no secret.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]
from authlib.integrations.base_client.errors import OAuthError  # type: ignore[import-untyped]
from django.utils import timezone

from apps.catalog.manifests.connection import OAuth2Service, placeholders_fill
from apps.core.outbound import OutboundError, outbound_client_options

# Authlib 1.9 would rather have the httpx2 package and warns when it uses httpx; the
# outbound transport is an httpx transport, so httpx it is.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

# The outside service's OAuth errors, as an admin reads them.
PLAIN_WORDS = {
    "access_denied": "The authorization was declined at the outside service: nothing was "
    "connected. Press Connect to try again.",
    "invalid_grant": "The outside service no longer accepts this authorization (it was "
    "withdrawn there, or it expired): connect again.",
    "invalid_client": "The outside service does not recognise the app's client id or "
    "secret: the app's developer must check them.",
    "unauthorized_client": "The outside service does not let the app's client use this "
    "kind of authorization: the app's developer must check its settings there.",
    "invalid_scope": "The outside service refused the access the app asks for.",
    "invalid_request": "The outside service refused the request as malformed.",
    "server_error": "The outside service had an error; try again later.",
    "temporarily_unavailable": "The outside service is temporarily unavailable; try again later.",
}


class OutsideFailure(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


def plain_words(error: str, description: str = "") -> str:
    """The outside service's ``error`` (and its description, shortened) for an admin."""
    known = PLAIN_WORDS.get(error)
    if known:
        return known
    detail = f" ({description[:200]})" if description else ""
    return f"The outside service answered with the error “{error[:60]}”{detail}."


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    token_type: str
    scope: str
    expires_at: datetime | None


def new_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43 to 128 characters)."""
    return secrets.token_urlsafe(64)


def _client(
    service: OAuth2Service, credentials: ClientCredentials, *, redirect_uri: str | None = None
) -> OAuth2Client:
    return OAuth2Client(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        token_endpoint_auth_method=service.token_auth,
        scope=" ".join(service.scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256" if service.pkce else None,
        **outbound_client_options(),
    )


def authorize_url(
    service: OAuth2Service,
    credentials: ClientCredentials,
    *,
    redirect_uri: str,
    state: str,
    verifier: str,
    parameters: Mapping[str, str],
) -> str:
    """Where the admin's browser goes to authorize the platform; the manifest's extra
    parameters filled with the installation's (never sensitive) parameter values."""
    extra = {name: placeholders_fill(value, parameters) for name, value in service.authorize_params}
    with _client(service, credentials, redirect_uri=redirect_uri) as client:
        url, _state = client.create_authorization_url(
            service.authorize_url,
            state=state,
            code_verifier=verifier if service.pkce else None,
            **extra,
        )
    return str(url)


def _tokens(token: Mapping[str, Any], *, keep_refresh: str = "") -> Tokens:
    expires_at = None
    if token.get("expires_at"):
        expires_at = datetime.fromtimestamp(int(token["expires_at"]), tz=UTC)
    elif token.get("expires_in"):
        expires_at = timezone.now() + timedelta(seconds=int(token["expires_in"]))
    return Tokens(
        access_token=str(token.get("access_token", "")),
        refresh_token=str(token.get("refresh_token") or keep_refresh),
        token_type=str(token.get("token_type", "Bearer")),
        scope=str(token.get("scope", "")),
        expires_at=expires_at,
    )


def _call(action: Any) -> Any:
    try:
        return action()
    except OAuthError as exc:
        error = str(exc.error or "invalid_request")
        raise OutsideFailure(error, plain_words(error, str(exc.description or ""))) from None
    except OutboundError as exc:
        raise OutsideFailure(str(exc.failure), exc.message) from None
    except (ValueError, KeyError) as exc:
        raise OutsideFailure(
            "invalid_response", "The outside service's answer was not a valid token response."
        ) from exc


def code_exchange(
    service: OAuth2Service,
    credentials: ClientCredentials,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
) -> Tokens:
    """Exchange an authorization code for tokens at the token URL."""

    def fetch() -> Any:
        with _client(service, credentials, redirect_uri=redirect_uri) as client:
            return client.fetch_token(
                service.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier if service.pkce else None,
            )

    tokens = _tokens(_call(fetch))
    if not tokens.access_token:
        raise OutsideFailure("invalid_response", "The outside service sent no access token.")
    return tokens


def token_refresh(
    service: OAuth2Service, credentials: ClientCredentials, *, refresh_token: str
) -> Tokens:
    """New tokens for ``refresh_token`` (kept when the service sends no new one)."""

    def fetch() -> Any:
        with _client(service, credentials) as client:
            return client.refresh_token(service.token_refresh_url, refresh_token=refresh_token)

    return _tokens(_call(fetch), keep_refresh=refresh_token)


def token_revoke(
    service: OAuth2Service, credentials: ClientCredentials, *, token: str, hint: str
) -> None:
    """Revoke ``token`` at the revocation URL (RFC 7009); nothing when none is declared."""
    if not service.revoke_url:
        return
    revoke_url = service.revoke_url

    def revoke() -> Any:
        with _client(service, credentials) as client:
            return client.revoke_token(revoke_url, token=token, token_type_hint=hint)

    _call(revoke)
