"""PKCE at the authorization server: a challenge that no verifier could match is refused
before consent (RFC 7636 §4.2: 43 to 128 unreserved characters; S256 only), and a
``code_verifier`` for a code issued without a challenge is refused (RFC 9700 §2.1.1, PKCE
downgrade). Every refusal writes nothing."""

import pytest

from apps.installations.models import Installation
from apps.oauth.models import AccessToken, Grant, RefreshToken
from tests.apps.oauth.conftest import code_for
from tests.factories.oauth import (
    REDIRECT_URI,
    allow,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
)

pytestmark = pytest.mark.django_db

UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"


def nothing_written() -> bool:
    return not (
        Installation.objects.exists()
        or Grant.objects.exists()
        or AccessToken.objects.exists()
        or RefreshToken.objects.exists()
    )


# --- the challenge ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "challenge",
    [
        "short",
        "a" * 42,
        "a" * 129,
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + "=",
        "a" * 21 + " " + "a" * 21,
        "é" * 43,
    ],
    ids=["short", "42", "129", "plus", "slash", "padding", "space", "non-ascii"],
)
def test_a_malformed_challenge_is_refused_before_consent(client_for, admin, published, challenge):
    url = authorize_url(published.client_id, code_challenge=challenge, code_challenge_method="S256")

    response = client_for(admin).get(url)

    assert response["Location"].startswith(REDIRECT_URI + "?")
    params = callback_params(response)
    assert params["error"] == "invalid_request"
    assert "code_challenge" in params["error_description"]
    assert params["state"] == "s-123"
    assert params["iss"] == "http://testserver"
    assert "code" not in params
    assert nothing_written()


def test_allow_with_a_malformed_challenge_is_refused_too(client_for, admin, published):
    browser = client_for(admin)
    _verifier, challenge = pkce_pair()
    shown = browser.get(authorize_url(published.client_id, challenge=challenge))
    url = authorize_url(published.client_id, code_challenge="short", code_challenge_method="S256")

    response = browser.post(
        url,
        {
            "decision": "allow",
            "version_id": shown.context["version_stamp"],
            "mode": shown.context["mode"],
        },
    )

    params = callback_params(response)
    assert params["error"] == "invalid_request"
    assert "code" not in params
    assert nothing_written()


def test_a_challenge_without_a_method_is_taken_as_plain_and_refused(client_for, admin, published):
    _verifier, challenge = pkce_pair()

    response = client_for(admin).get(authorize_url(published.client_id, code_challenge=challenge))

    params = callback_params(response)
    assert params["error"] == "invalid_request"
    assert "S256" in params["error_description"]
    assert nothing_written()


@pytest.mark.parametrize("length", [43, 128])
def test_a_challenge_of_43_to_128_unreserved_characters_reaches_consent(
    client_for, admin, published, length
):
    challenge = (UNRESERVED * 3)[:length]
    url = authorize_url(published.client_id, code_challenge=challenge, code_challenge_method="S256")

    response = client_for(admin).get(url)

    assert response.status_code == 200
    assert response.context["mode"] == "install"


# --- the verifier ----------------------------------------------------------------------------


def test_a_verifier_for_a_code_issued_without_a_challenge_is_invalid_grant(
    client_for, admin, published
):
    # A confidential client may leave PKCE out; an attacker who stripped the challenge
    # from the authorization request must not get tokens with a verifier of their own.
    callback = code_for(client_for(admin), authorize_url(published.client_id))
    assert "code" in callback
    verifier, _challenge = pkce_pair()

    response = exchange(published.client_id, published.secret, callback["code"], verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "code_challenge" in response.json()["error_description"]
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()
    assert Grant.objects.get().consumed_at is None


def test_a_code_issued_without_a_challenge_is_exchanged_without_a_verifier(
    client_for, admin, published
):
    callback = code_for(client_for(admin), authorize_url(published.client_id))

    response = exchange(published.client_id, published.secret, callback["code"])

    assert response.status_code == 200, response.content
    assert AccessToken.objects.count() == 1


def test_an_empty_verifier_for_a_code_without_a_challenge_is_refused(client_for, admin, published):
    callback = code_for(client_for(admin), authorize_url(published.client_id))

    response = exchange(published.client_id, published.secret, callback["code"], code_verifier="")

    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_request")
    assert not AccessToken.objects.exists()


def test_the_verifier_of_a_code_issued_with_a_challenge_still_works(client_for, admin, published):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))

    response = exchange(published.client_id, published.secret, callback["code"], verifier)

    assert response.status_code == 200, response.content


def test_consent_then_cancel_with_a_valid_challenge_writes_nothing(client_for, admin, published):
    _verifier, challenge = pkce_pair()
    url = authorize_url(published.client_id, challenge=challenge)

    params = callback_params(allow(client_for(admin), url, decision="cancel"))

    assert params["error"] == "user_denied"
    assert nothing_written()
