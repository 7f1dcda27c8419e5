"""Rate limits of apps' access tokens: counted per token before the token is looked up, so
a throttled client costs no query; an unknown token has a budget of its own and never
uses up a valid token's; anonymous calls still count per address.

The concurrency of the count is tested against a live server in
tests/integration/test_throttle_race.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import ApiKeyFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db

ME = f"{API}/users/me"


@pytest.fixture
def two_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "2/min", "principal": "2/min", "manifests": None},
    }


@pytest.fixture
def installation(account, admin, other_account):
    app = make_app(account=other_account, name="Profile")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "user.me", "level": "read", "reason": "Who you are."}],
        webhooks=[],
    )
    return make_installation(account=account, version=version, by_user=admin)


@pytest.fixture
def token(installation, admin) -> str:
    return issue_token(installation=installation, user=admin)


def _get(token: str, **extra):
    return api_client().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def assert_throttled(response):
    error = assert_error(response, 429, "throttled")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 60
    assert str(retry_after) in error["message"]
    assert "WWW-Authenticate" not in response


def test_a_throttled_token_is_refused_without_a_query(two_per_minute, token):
    statuses = [_get(token).status_code for _ in range(2)]

    with CaptureQueriesContext(connection) as queries:
        third = _get(token)

    assert statuses == [200, 200]
    assert_throttled(third)
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_an_unknown_token_is_counted_before_its_lookup_too(two_per_minute, token):
    statuses = [_get("not-a-token").status_code for _ in range(2)]

    with CaptureQueriesContext(connection) as queries:
        third = _get("not-a-token")

    assert statuses == [401, 401]
    assert_throttled(third)
    assert len(queries) == 0
    assert _get(token).status_code == 200


def test_unknown_tokens_never_use_up_a_valid_tokens_budget(two_per_minute, token):
    # A token differing in one character, and many different guesses.
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    for _ in range(3):
        _get(near)
    guesses = [_get(f"guess-{n}").status_code for n in range(5)]

    statuses = [_get(token).status_code for _ in range(2)]

    assert guesses == [401] * 5
    assert statuses == [200, 200]
    assert_throttled(_get(token))


def test_each_token_has_its_own_budget(two_per_minute, token, installation, admin):
    other = issue_token(installation=installation, user=admin)
    for _ in range(2):
        _get(token)

    assert_throttled(_get(token))
    assert [_get(other).status_code for _ in range(2)] == [200, 200]


def test_the_token_users_own_calls_do_not_count_against_the_token(two_per_minute, token, admin):
    console = api_client(admin)
    for _ in range(2):
        assert console.get(f"{API}/account").status_code == 200
    assert_throttled(console.get(f"{API}/account"))

    assert [_get(token).status_code for _ in range(2)] == [200, 200]


def test_anonymous_limits_still_apply_per_address(two_per_minute, token, account):
    anonymous = api_client()
    _, raw_key = ApiKeyFactory(account=account)
    for _ in range(2):
        assert anonymous.get(f"{API}/").status_code == 200

    assert_throttled(anonymous.get(f"{API}/"))
    assert anonymous.get(f"{API}/", REMOTE_ADDR="10.0.0.9").status_code == 200
    # Credentials from the same address count apart from its anonymous calls.
    assert _get(token).status_code == 200
    assert api_client(key=raw_key).get(f"{API}/account").status_code == 200


def test_a_tokens_earlier_requests_count_after_the_slice_turns(two_per_minute, token, monkeypatch):
    """The past slices of the window, read once per slice and kept by each process, still
    count: two requests, a slice later the third is refused, a minute later it passes."""
    from apps.core import ratelimit

    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    assert [_get(token).status_code for _ in range(2)] == [200, 200]
    now[0] += 15
    assert_throttled(_get(token))
    now[0] += 60
    assert _get(token).status_code == 200


@pytest.fixture
def redis_cache(settings):
    """Redis when ``REDIS_URL`` is set, under a prefix removed afterwards (never a flush
    of a database others may share)."""
    import os
    import uuid

    import redis

    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("counting in Redis needs REDIS_URL")
    prefix = f"test-app-token-count-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    client = redis.Redis.from_url(url)
    yield client, prefix
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_on_redis_a_tokens_slice_is_counted_with_its_lifetime(redis_cache, two_per_minute, token):
    client, prefix = redis_cache
    assert [_get(token).status_code for _ in range(2)] == [200, 200]
    assert_throttled(_get(token))
    (key,) = client.scan_iter(match=f"{prefix}:*throttle_principal_token-*", count=500)
    assert int(client.get(key)) == 2  # the refused request took its count back
    assert 60 < client.ttl(key) <= 72  # a period, a slice and a second
