"""OAuth helpers for tests: PKCE pairs, the authorize step and the code exchange through
Django's test client (the live-server tests use a real OAuth client library)."""

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from django.test import Client

REDIRECT_URI = "https://invoicer.example.com/oauth/callback"


def pkce_pair() -> tuple[str, str]:
    """``(verifier, S256 challenge)``."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def authorize_url(client_id: str, *, challenge: str | None = None, **params: Any) -> str:
    query: dict[str, Any] = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "state": "s-123",
    }
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    query.update({k: v for k, v in params.items() if v is not None})
    return "/oauth/authorize/?" + urlencode(query)


def callback_params(response: Any) -> dict[str, str]:
    """The query parameters the browser is sent back to the app's callback with."""
    assert response.status_code == 302, getattr(response, "content", b"")[:500]
    location = response["Location"]
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def allow(client: Client, url: str, decision: str = "allow") -> Any:
    """Show the consent screen at ``url`` and press Allow (or Cancel)."""
    page = client.get(url)
    assert page.status_code == 200, page.content[:800]
    return client.post(
        url,
        {
            "decision": decision,
            "version_id": page.context["version_stamp"],
            "mode": page.context["mode"],
        },
    )


def exchange(
    client_id: str, secret: str | None, code: str, verifier: str | None = None, **extra: Any
) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    data["client_id"] = client_id
    if secret:
        data["client_secret"] = secret
    if verifier:
        data["code_verifier"] = verifier
    data.update(extra)
    return Client().post(
        "/oauth/token/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def refresh(client_id: str, secret: str, refresh_token: str, **extra: Any) -> Any:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": secret,
    }
    data.update(extra)
    return Client().post(
        "/oauth/token/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def api_get(path: str, access_token: str) -> Any:
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {access_token}")
