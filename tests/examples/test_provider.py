"""The example provider as a real process: authorization code with PKCE, refresh with
rotation, denial, withdrawn access, revocation and its one API endpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET, provider_process

CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def provider():
    with provider_process(redirect_uris=[CALLBACK]) as running:
        yield running


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(provider, *, decision: str = "allow", challenge: str | None = None) -> dict:
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "profile notes:read",
        "state": "s-1",
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    url = f"{provider.url}/authorize?{urlencode(query)}"
    assert "asks to access your account" in httpx.get(url).text
    answer = httpx.post(url, data={"decision": decision})
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def exchange(provider, code: str, verifier: str) -> httpx.Response:
    return httpx.post(
        f"{provider.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
    )


def test_the_code_flow_with_pkce_gives_tokens_that_reach_the_api(provider):
    verifier, challenge = pkce()
    back = authorize(provider, challenge=challenge)
    assert back["state"] == "s-1"

    tokens = exchange(provider, back["code"], verifier).json()
    me = httpx.get(
        f"{provider.url}/api/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    assert me.json()["user"] == "demo" and len(me.json()["notes"]) == 3


def test_a_wrong_verifier_is_refused(provider):
    _verifier, challenge = pkce()
    back = authorize(provider, challenge=challenge)

    answer = exchange(provider, back["code"], "not-the-verifier-" + "x" * 40)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_request_without_pkce_is_sent_back_with_an_error(provider):
    query = urlencode(
        {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, "state": "s"}
    )
    answer = httpx.get(f"{provider.url}/authorize?{query}")

    assert answer.status_code == 400


def test_deny_sends_access_denied_with_the_state(provider):
    back = authorize(provider, decision="deny", challenge=pkce()[1])

    assert back["error"] == "access_denied" and back["state"] == "s-1"


def test_refresh_rotates_and_withdrawn_access_refuses_the_refresh(provider):
    verifier, challenge = pkce()
    tokens = exchange(provider, authorize(provider, challenge=challenge)["code"], verifier).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    fresh = httpx.post(f"{provider.url}/token", data=refresh, auth=(CLIENT_ID, CLIENT_SECRET))
    reused = httpx.post(f"{provider.url}/token", data=refresh, auth=(CLIENT_ID, CLIENT_SECRET))
    provider.withdraw_access()
    after = httpx.post(
        f"{provider.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": fresh.json()["refresh_token"]},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )

    assert fresh.status_code == 200
    assert reused.json()["error"] == "invalid_grant"
    assert after.json()["error"] == "invalid_grant"


def test_a_revoked_access_token_no_longer_reaches_the_api(provider):
    verifier, challenge = pkce()
    tokens = exchange(provider, authorize(provider, challenge=challenge)["code"], verifier).json()

    httpx.post(
        f"{provider.url}/revoke",
        data={"token": tokens["access_token"]},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    me = httpx.get(
        f"{provider.url}/api/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert me.status_code == 401
