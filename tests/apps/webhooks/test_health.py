"""Subscription health on a frozen clock: failing for 24 hours makes a subscription at
risk, for 5 days with no success disabled (its pending deliveries failed, fan-out skips
it); a success resets it; each move e-mails the developer account's members once;
enabling it again can replay what failed meanwhile."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.core.errors import Conflict
from apps.webhooks.errors import WebhookError
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.policies import HealthState, subscription_health_state
from apps.webhooks.services import (
    delivery_send,
    events_fan_out,
    subscription_enable,
    subscriptions_health_evaluate,
)
from tests.apps.lifecycle.conftest import run_job
from tests.apps.webhooks.conftest import change
from tests.apps.webhooks.receiver import Answer
from tests.factories.accounts import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _fail_once(account, r, subscribed):
    installation = subscribed(
        r.url, webhooks=[{"id": "created", "event": "crm.account.created", "url": r.url}]
    )
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get(installation=installation)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    return installation, SubscriptionHealth.objects.get(installation=installation)


@pytest.mark.parametrize(
    ("after", "state"),
    [
        (timedelta(hours=23, minutes=59), "healthy"),
        (timedelta(hours=24), "at_risk"),
        (timedelta(days=4, hours=23), "at_risk"),
        (timedelta(days=5), "disabled"),
    ],
)
def test_the_rule_on_a_frozen_clock(after, state):
    t0 = timezone.now()
    got = subscription_health_state(
        state="healthy",
        failing_since=t0,
        now=t0 + after,
        at_risk_after=timedelta(hours=24),
        disable_after=timedelta(days=5),
    )
    assert got == state
    assert (
        subscription_health_state(
            state="disabled",
            failing_since=None,
            now=t0,
            at_risk_after=DAY,
            disable_after=5 * DAY,
        )
        is HealthState.DISABLED
    )


def test_at_risk_after_a_day_then_disabled_after_five_emailing_once_each(
    receiver, subscribed, account, other_account, settings, django_capture_on_commit_callbacks
):
    def evaluate(now):
        with django_capture_on_commit_callbacks(execute=True):
            return subscriptions_health_evaluate(now=now)

    settings.WEBHOOK_RETRY_SCHEDULE = []
    MembershipFactory(account=other_account, user=UserFactory(email="dev1@globex.test"))
    MembershipFactory(account=other_account, user=UserFactory(email="dev2@globex.test"))
    MembershipFactory(
        account=other_account, user=UserFactory(email="gone@globex.test"), is_active=False
    )
    r = receiver(Answer(500))
    installation, health = _fail_once(account, r, subscribed)
    t0 = health.failing_since
    assert health.state == "healthy" and t0 is not None

    assert evaluate(t0 + timedelta(hours=23)) == 0
    assert evaluate(t0 + DAY) == 1
    assert SubscriptionHealth.objects.get(pk=health.pk).state == "at_risk"
    assert sorted(m.to[0] for m in mail.outbox) == ["dev1@globex.test", "dev2@globex.test"]
    assert all(m.subject.startswith("Webhook at risk") for m in mail.outbox)
    assert "created" in mail.outbox[0].body and r.url in mail.outbox[0].body
    sent = len(mail.outbox)
    # Evaluated again while still at risk: no second e-mail.
    assert evaluate(t0 + 2 * DAY) == 0
    assert len(mail.outbox) == sent

    # A delivery waiting when it is disabled fails with the reason; new events skip it.
    change(account, "Later")
    events_fan_out()
    waiting = Delivery.objects.filter(installation=installation, status="pending")
    assert waiting.exists()
    assert evaluate(t0 + 5 * DAY) == 1
    health.refresh_from_db()
    assert health.state == "disabled"
    assert len(mail.outbox) == 2 * sent
    assert all(m.subject.startswith("Webhook disabled") for m in mail.outbox[sent:])
    assert not Delivery.objects.filter(installation=installation, status="pending").exists()
    failed = Delivery.objects.filter(
        installation=installation, last_error_code=WebhookError.SUBSCRIPTION_DISABLED
    )
    assert failed.count() >= 1
    before = Delivery.objects.filter(installation=installation).count()
    change(account, "Skipped")
    events_fan_out()
    assert Delivery.objects.filter(installation=installation).count() == before
    assert evaluate(t0 + 9 * DAY) == 0
    assert len(mail.outbox) == 2 * sent


def test_a_success_resets_the_clock(receiver, subscribed, account, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    r = receiver(Answer(500), Answer(200))
    installation, health = _fail_once(account, r, subscribed)
    t0 = health.failing_since
    subscriptions_health_evaluate(now=t0 + DAY)
    assert SubscriptionHealth.objects.get(pk=health.pk).state == "at_risk"

    change(account, "Works again")
    events_fan_out()
    pending = Delivery.objects.get(installation=installation, status="pending")
    assert delivery_send(delivery_id=pending.pk) == "succeeded"

    health.refresh_from_db()
    assert (health.state, health.failing_since) == ("healthy", None)
    assert health.last_success_at is not None
    assert subscriptions_health_evaluate(now=t0 + 6 * DAY) == 0
    assert SubscriptionHealth.objects.get(pk=health.pk).state == "healthy"


def test_enable_again_and_replay_what_failed(receiver, subscribed, account, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    r = receiver(Answer(500))
    installation, health = _fail_once(account, r, subscribed)
    subscriptions_health_evaluate(now=health.failing_since + 5 * DAY)
    health.refresh_from_db()
    assert health.state == "disabled"

    job = subscription_enable(health=health, actor=actor_system(label="dev"), replay=True)
    health.refresh_from_db()
    assert (health.state, health.failing_since, health.enabled_by) == ("healthy", None, "dev")
    run_job(job)
    replayed = Delivery.objects.get(installation=installation)
    assert (replayed.status, replayed.replays) == ("pending", 1)
    with pytest.raises(Conflict):
        subscription_enable(health=health, actor=actor_system(label="dev"))
