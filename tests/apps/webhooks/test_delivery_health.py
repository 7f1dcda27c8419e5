"""What an account's admin sees of an installed app's deliveries
(``delivery_health_for_installation``): the newest success by finish time and the newest
attempt that did not succeed, of this installation only, in three queries however long
its log is."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.webhooks.models import Attempt, Delivery
from apps.webhooks.selectors import delivery_health_for_installation

pytestmark = pytest.mark.django_db

T0 = timezone.now() - timedelta(days=1)


def _delivery(installation, status, *, minute, finished=None, subscription_id=None):
    return Delivery.objects.create(
        installation=installation,
        subscription_id=subscription_id,
        webhook_id="w",
        event_type="crm.account.updated",
        body="{}",
        status=status,
        created_at=T0 + timedelta(minutes=minute),
        finished_at=None if finished is None else T0 + timedelta(minutes=finished),
    )


def _attempt(delivery, outcome, *, minute):
    return Attempt.objects.create(
        delivery=delivery,
        installation_id=delivery.installation_id,
        number=delivery.attempt_rows.count() + 1,
        url="https://example.com/hook",
        started_at=T0 + timedelta(minutes=minute),
        outcome=outcome,
    )


@pytest.fixture
def two_installations(subscribed, other_account):
    return subscribed("https://example.com/hook"), subscribed("https://example.com/hook")


def test_newest_success_by_finish_and_newest_failed_attempt(two_installations):
    mine, theirs = two_installations
    sid = mine.webhook_subscriptions.first().pk
    # Created later but finished earlier; one of a subscription an update removed; the
    # newest finish is a failure, and the other installation's are newer still.
    late = _delivery(mine, "succeeded", minute=5, finished=6, subscription_id=sid)
    _delivery(mine, "succeeded", minute=1, finished=9, subscription_id=10**9)
    failed = _delivery(mine, "failed", minute=2, finished=20, subscription_id=sid)
    _delivery(mine, "pending", minute=30, subscription_id=sid)
    other = _delivery(theirs, "succeeded", minute=40, finished=41)

    _attempt(failed, "retry", minute=10)
    tied_first = _attempt(failed, "retry", minute=12)
    tied_second = _attempt(failed, "failed", minute=12)
    _attempt(late, "succeeded", minute=15)
    _attempt(other, "failed", minute=41)

    health = delivery_health_for_installation(installation_id=mine.pk)
    assert health.last_success_at == T0 + timedelta(minutes=9)
    # Same start: the later row wins, whatever its outcome.
    assert tied_first.pk < tied_second.pk
    assert health.last_failure == tied_second
    assert [d.created_at for d in health.recent] == [
        T0 + timedelta(minutes=m) for m in (30, 5, 2, 1)
    ]

    tied_second.delete()
    health = delivery_health_for_installation(installation_id=mine.pk)
    assert health.last_failure == tied_first


def test_nothing_yet(two_installations):
    mine, theirs = two_installations
    _attempt(_delivery(theirs, "failed", minute=1, finished=2), "failed", minute=1)
    ok = _delivery(mine, "pending", minute=3)

    health = delivery_health_for_installation(installation_id=mine.pk)
    assert (health.last_success_at, health.last_failure, health.recent) == (None, None, [ok])


def test_three_queries_however_long_the_log(two_installations, django_assert_num_queries):
    mine, _ = two_installations
    for minute in range(30):
        d = _delivery(mine, "succeeded" if minute % 3 else "failed", minute=minute, finished=minute)
        _attempt(d, "succeeded" if minute % 3 else "failed", minute=minute)
    with django_assert_num_queries(3):
        health = delivery_health_for_installation(installation_id=mine.pk, recent=5)
    assert health.last_success_at == T0 + timedelta(minutes=29)
    assert health.last_failure.started_at == T0 + timedelta(minutes=27)
