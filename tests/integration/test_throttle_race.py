"""The API's rate limits under real concurrency: many requests at once against the live
server, each on its own connection and server thread, and exactly the limit gets through.

With ``REDIS_URL`` set (CI runs the suite once that way) the counters live in Redis, as
in production, under a key prefix of this test's own that it removes afterwards; else in
process memory, which the live server's threads share. Counting by reading a list,
changing it and writing it back (DRF's ``SimpleRateThrottle``) let some of these
requests through beyond the limit; the atomic count lets none.
"""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
import requests
from rest_framework.settings import api_settings

from apps.core import ratelimit
from tests.factories import ApiKeyFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 25
REQUESTS = 100
THREADS = 25


@pytest.fixture
def shared_cache(settings) -> Iterator[str]:
    """Redis when ``REDIS_URL`` is set, under a prefix removed afterwards (never a flush
    of the database, which others may share); else the default process-memory cache."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        yield "locmem"
        return
    prefix = f"test-throttle-race-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield "redis"
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def limits(settings, monkeypatch) -> Iterator[None]:
    """``LIMIT`` a day for every scope, and a clock that stands still, so the window never
    turns during the test (the outcome must not depend on the time of day).

    Threads take turns every microsecond instead of every 5 ms, so the server threads
    interleave between any two steps, as processes on several cores do.
    """
    rates = {"anonymous": f"{LIMIT}/day", "principal": f"{LIMIT}/day", "manifests": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert rates == api_settings.DEFAULT_THROTTLE_RATES
    monkeypatch.setattr(ratelimit, "_now", lambda: 1_800_000_000.0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def hammer(url: str, headers: dict[str, str]) -> list[requests.Response]:
    """``REQUESTS`` GETs from ``THREADS`` threads, each with its own connection, started
    together."""
    barrier = threading.Barrier(THREADS)
    responses: list[requests.Response] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        try:
            with requests.Session() as http:
                barrier.wait(timeout=30)
                for _ in range(count):
                    response = http.get(url, headers=headers, timeout=30)
                    with lock:
                        responses.append(response)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    per_thread = REQUESTS // THREADS
    threads = [threading.Thread(target=worker, args=(per_thread,)) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    assert not errors, errors
    assert len(responses) == REQUESTS
    return responses


def assert_exactly_the_limit(responses: list[requests.Response]) -> None:
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: LIMIT, 429: REQUESTS - LIMIT}, statuses
    for response in responses:
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "throttled"
            assert 0 < int(response.headers["Retry-After"]) <= 86400


@pytest.fixture
def app_token(account, admin, other_account) -> str:
    app = make_app(account=other_account, name="Directory")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "user.me", "level": "read", "reason": "Who you are."}],
        webhooks=[],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    return issue_token(installation=installation, user=admin)


def test_anonymous_calls_from_one_address(live_server, shared_cache, limits):
    responses = hammer(f"{live_server.url}/api/v1/", {})

    assert_exactly_the_limit(responses)


def test_calls_with_one_api_key(live_server, shared_cache, limits, account):
    _, raw = ApiKeyFactory(account=account)

    responses = hammer(f"{live_server.url}/api/v1/account", {"Authorization": f"Bearer {raw}"})

    assert_exactly_the_limit(responses)


def test_calls_with_one_app_token(live_server, shared_cache, limits, app_token):
    responses = hammer(
        f"{live_server.url}/api/v1/users/me", {"Authorization": f"Bearer {app_token}"}
    )

    assert_exactly_the_limit(responses)
