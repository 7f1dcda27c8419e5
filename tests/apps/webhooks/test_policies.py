"""The delivery rules: which answers succeed, which are retried and when."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from apps.core.errors import OutboundFailure
from apps.webhooks.policies import Outcome, attempt_outcome, retry_after_seconds, retry_delay
from marketplace.settings import base as settings


@pytest.mark.parametrize(
    ("status", "failure", "outcome"),
    [
        (200, None, Outcome.SUCCEEDED),
        (204, None, Outcome.SUCCEEDED),
        (500, None, Outcome.RETRY),
        (503, None, Outcome.RETRY),
        (408, None, Outcome.RETRY),
        (429, None, Outcome.RETRY),
        (400, None, Outcome.FAILED),
        (401, None, Outcome.FAILED),
        (404, None, Outcome.FAILED),
        (410, None, Outcome.FAILED),
        (301, None, Outcome.FAILED),
        (None, OutboundFailure.TIMEOUT, Outcome.RETRY),
        (None, OutboundFailure.CONNECT_FAILED, Outcome.RETRY),
        (None, OutboundFailure.UNRESOLVABLE, Outcome.RETRY),
        (None, OutboundFailure.BLOCKED_ADDRESS, Outcome.FAILED),
        (None, OutboundFailure.INVALID_URL, Outcome.FAILED),
    ],
)
def test_attempt_outcome(status, failure, outcome):
    assert attempt_outcome(status=status, failure=failure) is outcome


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    assert retry_after_seconds("120", now=now) == 120
    assert (
        retry_after_seconds(format_datetime(now + timedelta(minutes=3), usegmt=True), now=now)
        == 180
    )
    assert retry_after_seconds(None, now=now) is None
    assert retry_after_seconds("soon", now=now) is None


def test_the_default_schedule_retries_for_more_than_a_day_whatever_the_jitter():
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    jitter = settings.WEBHOOK_RETRY_JITTER

    def total(rand):
        return sum(
            retry_delay(attempts=n, schedule=schedule, jitter=jitter, rand=rand)
            for n in range(1, len(schedule) + 1)
        )

    assert len(schedule) + 1 == 8  # attempts: the first, then one per delay
    assert total(lambda: 0.0) > 24 * 3600
    assert total(lambda: 0.999) < 31 * 3600
    assert (
        retry_delay(
            attempts=len(schedule) + 1, schedule=schedule, jitter=jitter, rand=random.random
        )
        is None
    )


def test_jitter_spreads_delays_and_retry_after_wins_when_longer():
    delays = {
        round(retry_delay(attempts=2, schedule=[5, 300], jitter=0.1, rand=random.random), 3)
        for _ in range(50)
    }
    assert len(delays) > 10
    assert all(270 <= d <= 330 for d in delays)

    assert retry_delay(attempts=1, schedule=[5], jitter=0, rand=random.random, retry_after=60) == 60
    assert retry_delay(attempts=1, schedule=[5], jitter=0, rand=random.random, retry_after=1) == 5
    assert (
        retry_delay(
            attempts=1,
            schedule=[5],
            jitter=0,
            rand=random.random,
            retry_after=10**9,
            max_retry_after=3600,
        )
        == 3600
    )
