"""Deliveries through real Celery workers: a change committed in one process reaches a
receiver through the fan-out and the delivery tasks of another, retried until the
receiver recovers; a worker killed mid-delivery loses nothing (at least once)."""

import time

import pytest
from django.db import transaction

from apps.webhooks.models import Attempt, Delivery
from apps.webhooks.services import deliveries_sweep
from tests.apps.webhooks.conftest import change
from tests.apps.webhooks.receiver import Answer
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ENV = {
    "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    "WEBHOOK_RETRY_SCHEDULE": "0.3,0.3,0.3",
}


def _finished(installation_id: int) -> Delivery | None:
    delivery = Delivery.objects.filter(installation_id=installation_id).first()
    return delivery if delivery is not None and delivery.status != "pending" else None


def test_a_change_reaches_the_receiver_after_two_failures(
    celery_processes, receiver, subscribed, account
):
    celery_processes("worker", extra_env=ENV)
    r = receiver(Answer(500), Answer(503), Answer(200))
    installation = subscribed(r.url)

    with transaction.atomic():
        change(account)

    delivery = wait_for(lambda: _finished(installation.pk), timeout=60, what="the delivery")
    assert delivery.status == "succeeded"
    assert delivery.attempts == 3
    assert list(
        Attempt.objects.filter(delivery=delivery).order_by("number").values_list("status_code")
    ) == [(500,), (503,), (200,)]
    assert {x.headers["webhook-id"] for x in r.received} == {delivery.uid}


def test_a_worker_killed_mid_delivery_loses_no_delivery(
    celery_processes, receiver, subscribed, account, settings
):
    env = {**ENV, "WEBHOOK_LEASE_SECONDS": "3"}
    first = celery_processes("worker", extra_env=env)
    # The first request hangs: the worker is killed while it waits for the answer.
    r = receiver(Answer(200, delay=20), Answer(200))
    installation = subscribed(r.url)

    with transaction.atomic():
        change(account)

    wait_for(lambda: r.received, timeout=60, what="the first request")
    first.kill()
    killed = Delivery.objects.get(installation=installation)
    assert (killed.status, killed.attempts) == ("pending", 0)
    assert killed.lease_token is not None

    celery_processes("worker", extra_env=env)
    settings.WEBHOOK_STALE_SECONDS = 0
    time.sleep(3.5)  # the dead worker's lease runs out
    assert deliveries_sweep() == [killed.pk]

    delivery = wait_for(lambda: _finished(installation.pk), timeout=60, what="the redelivery")
    assert delivery.status == "succeeded"
    assert [x.headers["webhook-id"] for x in r.received] == [delivery.uid, delivery.uid]
