"""The periodic health evaluation on real Celery workers: ``webhooks.health_evaluate``,
sent by the name beat's schedule gives it, to two workers at once, marks a subscription
failing for a day at risk and one failing for five days disabled (its waiting delivery
failed), leaves a fresh failure alone, and e-mails the developer account once per move
whichever worker wins it."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.webhooks.errors import WebhookError
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import events_fan_out
from marketplace.celery import app as celery_app
from tests.apps.webhooks.conftest import change
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.worker import purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

URL = "https://receiver.example.com/hooks"
DONE = re.compile(r"Task webhooks\.health_evaluate\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")


def _failing(subscribed, name: str, *, state: str, for_: timedelta) -> SubscriptionHealth:
    installation = subscribed(
        URL, webhooks=[{"id": name, "event": "crm.account.created", "url": URL}]
    )
    since = timezone.now() - for_
    return SubscriptionHealth.objects.create(
        subscription_id=installation.webhook_subscriptions.get().pk,
        installation=installation,
        state=state,
        failing_since=since,
        last_failure_at=since,
    )


def _mails(folder: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every e-mail the workers wrote."""
    found = []
    for path in sorted(folder.glob("*")):
        text = path.read_text()
        for message in text.split("-" * 79):
            to = re.search(r"^To: (.+)$", message, re.M)
            subject = re.search(r"^Subject: (.+)$", message, re.M)
            if to and subject:
                found.append((to.group(1), subject.group(1)))
    return sorted(found)


def _results(workers) -> list[int]:
    return [int(n) for w in workers for n in DONE.findall(w.output())]


def test_the_health_job_runs_on_workers_and_emails_once_per_move(
    celery_processes, subscribed, account, other_account, tmp_path
):
    MembershipFactory(account=other_account, user=UserFactory(email="dev1@globex.test"))
    day = _failing(subscribed, "day", state="healthy", for_=timedelta(hours=25))
    week = _failing(subscribed, "week", state="at_risk", for_=timedelta(days=6))
    fresh = _failing(subscribed, "fresh", state="healthy", for_=timedelta(hours=1))
    with transaction.atomic():
        change(account)
    events_fan_out()
    assert Delivery.objects.filter(status="pending").count() == 3
    purge_broker()  # nothing but the health job reaches the workers

    mail_dir = tmp_path / "mail"
    env = {"TEST_EMAIL_FILE_PATH": str(mail_dir)}
    workers = [celery_processes("worker", extra_env=env) for _ in range(2)]
    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "health" in e["task"]]
    assert entry["task"] == "webhooks.health_evaluate"
    for _ in workers:
        celery_app.send_task(entry["task"], **entry.get("options", {}))

    wait_for(lambda: len(_results(workers)) == 2, timeout=60, what="both health jobs")

    assert sum(_results(workers)) == 2  # each move made once, by whichever worker won it
    states = dict(SubscriptionHealth.objects.values_list("pk", "state"))
    assert states == {day.pk: "at_risk", week.pk: "disabled", fresh.pk: "healthy"}
    failed = Delivery.objects.get(subscription_id=week.subscription_id)
    assert (failed.status, failed.last_error_code) == (
        "failed",
        WebhookError.SUBSCRIPTION_DISABLED,
    )
    assert set(Delivery.objects.exclude(pk=failed.pk).values_list("status", flat=True)) == {
        "pending"
    }
    mails = wait_for(lambda: len(_mails(mail_dir)) >= 2 and _mails(mail_dir), timeout=30)
    assert [(to, subject.split(":")[0]) for to, subject in mails] == [
        ("dev1@globex.test", "Webhook at risk"),
        ("dev1@globex.test", "Webhook disabled"),
    ]
    assert "(day)" in mails[0][1] and "(week)" in mails[1][1]
