"""Rate limits: per client address when anonymous, per key or user otherwise."""

import pytest

from apps.api.throttling import AnonymousThrottle, PrincipalThrottle, ScopedPrincipalThrottle
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setattr(AnonymousThrottle, "get_rate", lambda self: "2/min")
    monkeypatch.setattr(PrincipalThrottle, "get_rate", lambda self: "2/min")


def assert_throttled(response):
    error = assert_error(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert str(retry_after) in error["message"]


def test_anonymous_calls_are_limited_per_address(two_per_minute, db):
    client = api_client()

    statuses = [client.get(f"{API}/").status_code for _ in range(2)]
    third = client.get(f"{API}/")
    other_address = client.get(f"{API}/", REMOTE_ADDR="10.0.0.9")

    assert statuses == [200, 200]
    assert_throttled(third)
    assert other_address.status_code == 200


def test_a_forged_forwarded_for_header_is_no_new_address(two_per_minute, db):
    """Without a proxy in front (``NUM_PROXIES`` 0, the default) the address is the
    connection's: a client that writes a new X-Forwarded-For on each call is still one
    address."""
    client = api_client()

    statuses = [
        client.get(f"{API}/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]

    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429


def test_behind_one_proxy_the_address_it_saw_counts(two_per_minute, settings, db):
    """``NUM_PROXIES=1``: the last address of X-Forwarded-For (the one the proxy added)
    is the client's; what the client wrote before it counts for nothing."""
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert api_settings.NUM_PROXIES == 1
    client = api_client()

    def call(forwarded: str) -> int:
        return client.get(f"{API}/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    first = [call(f"198.51.100.{n}, 192.0.2.7") for n in range(3)]
    other_client = call("198.51.100.1, 192.0.2.8")

    assert first[:2] == [200, 200]
    assert first[2] == 429
    assert other_client == 200


def test_api_key_calls_are_limited_per_key(two_per_minute, account):
    _, raw = ApiKeyFactory(account=account)
    _, other_raw = ApiKeyFactory(account=account)
    client = api_client(key=raw)

    statuses = [client.get(f"{API}/account").status_code for _ in range(2)]
    third = client.get(f"{API}/account")

    assert statuses == [200, 200]
    assert_throttled(third)
    assert api_client(key=other_raw).get(f"{API}/account").status_code == 200


def test_session_calls_are_limited_per_user(two_per_minute, admin, member):
    client = api_client(admin)

    statuses = [client.get(f"{API}/account").status_code for _ in range(2)]
    third = client.get(f"{API}/account")

    assert statuses == [200, 200]
    assert_throttled(third)
    assert api_client(member).get(f"{API}/account").status_code == 200


def test_a_throttled_write_writes_nothing(two_per_minute, admin):
    from apps.accounts.models import ApiKey

    client = api_client(admin)
    for _ in range(2):
        client.get(f"{API}/account")

    response = client.post(f"{API}/api-keys", {"name": "CI"}, format="json")

    assert_throttled(response)
    assert ApiKey.objects.count() == 0


def test_default_rates_come_from_settings(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert AnonymousThrottle().get_rate() == rates["anonymous"]
    assert PrincipalThrottle().get_rate() == rates["principal"]


def test_manifest_checks_have_their_own_tighter_limit_per_key(monkeypatch, account):
    monkeypatch.setattr(
        ScopedPrincipalThrottle,
        "get_rate",
        lambda self: "2/min" if self.scope == "manifests" else None,
    )
    _, raw = ApiKeyFactory(account=account)
    _, other_raw = ApiKeyFactory(account=account)
    client = api_client(key=raw)
    url = f"{API}/manifests/validate"

    statuses = [
        client.post(url, data="{}", content_type="application/json").status_code for _ in range(2)
    ]
    third = client.post(url, data="{}", content_type="application/json")

    assert statuses == [400, 400]
    assert_throttled(third)
    assert client.get(f"{API}/account").status_code == 200
    other = api_client(key=other_raw).post(url, data="{}", content_type="application/json")
    assert other.status_code == 400
