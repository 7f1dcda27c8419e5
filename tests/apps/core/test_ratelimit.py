"""The sliding window of ``rate_limit_count``, on a clock the test moves by hand: what is
allowed, when the window frees up, what a refused client is told to wait, and that a
refusal does not count.

Concurrency is tested against a live server in
tests/integration/test_throttle_race.py.
"""

import pytest
from django.core.cache import cache

from apps.core import ratelimit
from apps.core.ratelimit import BUCKETS, rate_limit_count

PERIOD = 60
SLICE = PERIOD / BUCKETS
START = 1_800_000_000.0  # the beginning of a slice (a multiple of SLICE)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimit, "_now", clock)
    return clock


def hit(limit: int = 3, key: str = "client") -> ratelimit.RateDecision:
    return rate_limit_count(key=key, limit=limit, period=PERIOD)


def test_exactly_the_limit_is_allowed_within_a_period(clock):
    decisions = [hit() for _ in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.wait for d in decisions[:3]] == [0.0, 0.0, 0.0]


def test_clients_count_apart(clock):
    for _ in range(3):
        hit(key="a")

    assert not hit(key="a").allowed
    assert hit(key="b").allowed


def test_the_window_frees_up_slice_by_slice(clock):
    hit()
    hit()  # two in the first slice
    clock.now += 3 * SLICE
    assert hit().allowed  # one in the fourth
    refused = hit()

    # Refused until the first slice leaves the window, one period after it began.
    assert not refused.allowed
    assert refused.wait == pytest.approx(PERIOD - 3 * SLICE)
    clock.now = START + PERIOD - 0.001
    assert not hit().allowed
    clock.now = START + PERIOD
    assert [hit().allowed for _ in range(3)] == [True, True, False]


def test_the_wait_ends_when_one_more_fits_and_never_exceeds_the_period(clock):
    clock.now += 0.5
    for _ in range(3):
        hit()

    refused = hit()

    assert not refused.allowed
    assert refused.wait == pytest.approx(PERIOD - 0.5)
    assert 0 < refused.wait <= PERIOD
    clock.now += refused.wait
    assert hit().allowed


def test_a_refused_request_does_not_count(clock):
    for _ in range(3):
        hit()
    for _ in range(50):
        assert not hit().allowed

    clock.now += PERIOD

    assert [hit().allowed for _ in range(4)] == [True, True, True, False]


def test_a_slice_lost_from_the_cache_starts_again(clock):
    for _ in range(3):
        hit()
    cache.clear()  # evicted, or the cache restarted

    assert hit().allowed


def test_a_zero_limit_refuses_everything(clock):
    refused = hit(limit=0)

    assert not refused.allowed
    assert refused.wait == PERIOD
