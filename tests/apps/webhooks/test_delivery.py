"""Sending deliveries to a real receiver on loopback: success, failures retried until the
receiver recovers, final 4xx, ``Retry-After``, a receiver that hangs cut at the timeout,
the last attempt failing, cancellation, and the outbound safety rules."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import OutboundFailure
from apps.installations.models import Installation, InstallationStatus, WebhookSubscription
from apps.webhooks.models import Attempt, Delivery
from apps.webhooks.services import deliveries_sweep, delivery_send, events_fan_out
from apps.webhooks.services.deliveries import deliveries_purge
from tests.apps.webhooks.conftest import change
from tests.apps.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db


def _pending(receiver_url, subscribed, account) -> Delivery:
    installation = subscribed(receiver_url)
    change(account)
    events_fan_out()
    return Delivery.objects.get(installation=installation)


def _attempts(delivery):
    return list(
        Attempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("number", "status_code", "outcome")
    )


def test_a_delivery_that_succeeds_is_logged_with_its_attempt(receiver, subscribed, account):
    r = receiver(Answer(200, body=b"thanks"))
    delivery = _pending(r.url, subscribed, account)

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert delivery_send(delivery_id=delivery.pk) == "skipped"  # a duplicate message

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.finished_at is not None and delivery.lease_token is None
    attempt = Attempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.outcome, attempt.response_body) == (
        200,
        "succeeded",
        "thanks",
    )
    assert attempt.url == r.url
    assert attempt.request_headers["webhook-id"] == delivery.uid
    assert len(r.received) == 1
    assert json.loads(r.received[0].body) == json.loads(delivery.body)


def test_failures_are_retried_with_the_same_id_and_body_until_the_receiver_recovers(
    receiver, subscribed, account
):
    r = receiver(Answer(500), Answer(503), Answer(408), Answer(200))
    delivery = _pending(r.url, subscribed, account)

    outcomes = [delivery_send(delivery_id=delivery.pk) for _ in range(4)]

    assert outcomes == ["retrying", "retrying", "retrying", "succeeded"]
    assert _attempts(delivery) == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 408, "retry"),
        (4, 200, "succeeded"),
    ]
    assert {x.headers["webhook-id"] for x in r.received} == {delivery.uid}
    assert {x.body for x in r.received} == {delivery.body.encode()}


def test_another_4xx_is_final(receiver, subscribed, account):
    r = receiver(Answer(410, body=b"gone"))
    delivery = _pending(r.url, subscribed, account)

    assert delivery_send(delivery_id=delivery.pk) == "failed"
    assert delivery_send(delivery_id=delivery.pk) == "skipped"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.last_error == "The receiver answered 410."
    assert len(r.received) == 1


def test_after_the_last_attempt_the_delivery_is_failed_and_kept(receiver, subscribed, account):
    r = receiver(Answer(502))
    delivery = _pending(r.url, subscribed, account)

    outcomes = [delivery_send(delivery_id=delivery.pk) for _ in range(5)]

    # The schedule of these tests has three retries: four attempts in all.
    assert outcomes == ["retrying", "retrying", "retrying", "failed", "skipped"]
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.last_error == "The receiver answered 502. Gave up after 4 attempts."
    assert [a[2] for a in _attempts(delivery)] == ["retry", "retry", "retry", "failed"]


def test_retry_after_is_honoured(receiver, subscribed, account):
    r = receiver(Answer(429, headers={"Retry-After": "120"}), Answer(200))
    delivery = _pending(r.url, subscribed, account)

    before = timezone.now()
    assert delivery_send(delivery_id=delivery.pk) == "retrying"

    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    assert delivery_send(delivery_id=delivery.pk) == "skipped"  # not due yet
    assert deliveries_sweep() == []
    assert len(r.received) == 1

    # When it is due, the sweeper wakes it up and it goes.
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(), enqueued_at=timezone.now() - timedelta(minutes=5)
    )
    assert deliveries_sweep() == [delivery.pk]
    assert delivery_send(delivery_id=delivery.pk) == "succeeded"


def test_a_receiver_that_hangs_is_cut_at_the_timeout(receiver, subscribed, account, settings):
    settings.WEBHOOK_TIMEOUT = 1.0
    r = receiver(Answer(200, delay=4))
    delivery = _pending(r.url, subscribed, account)

    started = time.monotonic()
    assert delivery_send(delivery_id=delivery.pk) == "retrying"
    took = time.monotonic() - started

    assert took < 3
    attempt = Attempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.error_code) == (None, OutboundFailure.TIMEOUT)
    assert attempt.duration_ms >= 900


def test_only_the_first_2_kb_of_an_answer_are_kept(receiver, subscribed, account):
    r = receiver(Answer(200, body=b"x" * 100_000))
    delivery = _pending(r.url, subscribed, account)

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert Attempt.objects.get(delivery=delivery).response_body == "x" * 2048


def test_a_delivery_whose_subscription_or_installation_went_is_cancelled(
    receiver, subscribed, account
):
    r = receiver()
    delivery = _pending(r.url, subscribed, account)
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).delete()

    assert delivery_send(delivery_id=delivery.pk) == "cancelled"
    delivery.refresh_from_db()
    assert delivery.status == "cancelled"

    other = _pending(r.url, subscribed, account)
    Installation.objects.filter(pk=other.installation_id).update(
        status=InstallationStatus.UNINSTALLING
    )
    assert delivery_send(delivery_id=other.pk) == "cancelled"
    assert r.received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hooks",
        "http://10.0.0.1/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:{port}/hooks",
        "http://localhost:{port}/hooks",  # a name that resolves to a private address
    ],
)
def test_private_addresses_are_never_called(url, receiver, subscribed, account, settings):
    r = receiver()
    delivery = _pending(r.url, subscribed, account)
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(
        url=url.format(port=r.httpd.server_address[1])
    )
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    attempt = Attempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.error_code) == (None, OutboundFailure.BLOCKED_ADDRESS)
    assert r.received == []


def test_a_redirect_is_not_followed(receiver, subscribed, account):
    r = receiver(Answer(302, headers={"Location": "http://169.254.169.254/latest"}))
    delivery = _pending(r.url, subscribed, account)
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(url=r.url)

    assert delivery_send(delivery_id=delivery.pk) == "failed"

    assert Attempt.objects.get(delivery=delivery).status_code == 302
    assert len(r.received) == 1


def test_finished_deliveries_are_purged_after_the_retention(receiver, subscribed, account):
    r = receiver()
    delivery = _pending(r.url, subscribed, account)
    delivery_send(delivery_id=delivery.pk)
    change(account, "Pending Ltd")
    events_fan_out()
    old = timezone.now() - timedelta(days=31)
    Delivery.objects.update(created_at=old)

    assert deliveries_purge() == 1
    assert deliveries_purge() == 0

    assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]
    assert not Attempt.objects.exists()
