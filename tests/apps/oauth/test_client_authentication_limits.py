"""Failed client authentication at the token, introspection and revocation endpoints is
limited per client address and per client_id (429 with Retry-After and an
``invalid_client`` body), counted in the shared cache; successful authentication is never
counted, and a refused client_id is free again once the window has slid past."""

import base64
from urllib.parse import urlencode

import pytest
from django.test import Client

from apps.core import ratelimit
from apps.oauth.models import AccessToken
from tests.apps.oauth.conftest import code_for, install, tokens_for
from tests.factories.oauth import authorize_url, exchange, pkce_pair

pytestmark = pytest.mark.django_db

PER_ADDRESS = 5
PER_CLIENT = 8


@pytest.fixture(autouse=True)
def limits(settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update(
        oauth_client_auth_address=f"{PER_ADDRESS}/min",
        oauth_client_auth_client=f"{PER_CLIENT}/min",
    )
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def introspect(client_id: str, secret: str, *, address: str = "203.0.113.1", token: str = "x"):
    return Client().post(
        "/oauth/introspect/",
        {"token": token},
        HTTP_AUTHORIZATION=_basic(client_id, secret),
        REMOTE_ADDR=address,
    )


def token_request(client_id: str, secret: str, *, address: str = "203.0.113.1", **data):
    form = {"grant_type": "authorization_code", "code": "nothing", **data}
    form.update(client_id=client_id, client_secret=secret)
    return Client().post(
        "/oauth/token/",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=address,
    )


def revoke(client_id: str, secret: str, *, address: str = "203.0.113.1"):
    return Client().post(
        "/oauth/revoke_token/",
        {"token": "anything"},
        HTTP_AUTHORIZATION=_basic(client_id, secret),
        REMOTE_ADDR=address,
    )


def _refused(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["error"] == "invalid_client"
    assert f"retry after {response['Retry-After']} seconds" in body["error_description"]


@pytest.mark.parametrize("call", [introspect, token_request, revoke], ids=lambda c: c.__name__)
def test_wrong_secrets_from_one_address_are_refused_past_the_limit(published, call):
    answers = [call(published.client_id, "wrong") for _ in range(PER_ADDRESS + 3)]

    assert [a.status_code for a in answers[:PER_ADDRESS]] == [401] * PER_ADDRESS
    for answer in answers[PER_ADDRESS:]:
        _refused(answer)
    # refused without checking: not even the right secret gets through from there now
    _refused(call(published.client_id, published.secret))
    assert not AccessToken.objects.exists()


def test_the_right_secret_from_another_address_still_works(client_for, admin, published):
    for _ in range(PER_ADDRESS + 2):
        introspect(published.client_id, "wrong", address="203.0.113.1")
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))

    response = exchange(published.client_id, published.secret, callback["code"], verifier)

    assert response.status_code == 200, response.content


def test_failures_for_one_client_id_from_many_addresses_stop_at_its_limit(published):
    answers = [
        introspect(published.client_id, "wrong", address=f"198.51.100.{n}")
        for n in range(PER_CLIENT + 2)
    ]

    assert [a.status_code for a in answers[:PER_CLIENT]] == [401] * PER_CLIENT
    for answer in answers[PER_CLIENT:]:
        _refused(answer)
    # another client is not held back by it
    assert introspect("another-client", "wrong", address="192.0.2.9").status_code == 401


def test_successful_authentication_is_never_counted(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)

    answers = [
        introspect(published.client_id, published.secret, token=tokens["access_token"])
        for _ in range(PER_ADDRESS * 3)
    ]

    assert {a.status_code for a in answers} == {200}
    assert all(a.json()["active"] for a in answers)
    # nor are requests whose client authenticated but whose grant was refused
    refused_grants = [token_request(published.client_id, published.secret) for _ in range(8)]
    assert {a.status_code for a in refused_grants} == {400}
    assert introspect(published.client_id, "wrong").status_code == 401


def test_a_refused_client_id_is_free_again_once_the_window_has_passed(published, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    for n in range(PER_CLIENT):
        introspect("no-such-client", "wrong", address=f"198.51.100.{n}")
    _refused(introspect("no-such-client", "wrong", address="192.0.2.1"))

    now[0] += 61

    assert introspect("no-such-client", "wrong", address="192.0.2.1").status_code == 401
