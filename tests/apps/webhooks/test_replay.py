"""Replay: a delivery that failed (or succeeded) is sent again with the same webhook-id
and body, its attempts numbered on, with a new round of the retry schedule; one still
pending or cancelled is refused."""

import pytest

from apps.accounts.actors import actor_system
from apps.core.errors import Conflict
from apps.webhooks.models import Attempt, Delivery
from apps.webhooks.services import delivery_replay, delivery_send, events_fan_out
from tests.apps.webhooks.conftest import change
from tests.apps.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db

BY = actor_system(label="developer")


def test_a_failed_delivery_replayed_keeps_its_id_and_gets_a_new_round(
    receiver, subscribed, account, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]  # two attempts a round
    r = receiver(Answer(500), Answer(500), Answer(500), Answer(200))
    installation = subscribed(r.url)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get(installation=installation)
    assert [delivery_send(delivery_id=delivery.pk) for _ in range(2)] == ["retrying", "failed"]

    replayed = delivery_replay(delivery=delivery, actor=BY)

    assert (replayed.status, replayed.replays, replayed.round_start) == ("pending", 1, 2)
    assert replayed.finished_at is None and replayed.last_error == ""
    # A new round: one failure is retried again, then the receiver recovers.
    assert [delivery_send(delivery_id=delivery.pk) for _ in range(2)] == ["retrying", "succeeded"]
    assert list(
        Attempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("number", "outcome")
    ) == [(1, "retry"), (2, "failed"), (3, "retry"), (4, "succeeded")]
    assert {x.headers["webhook-id"] for x in r.received} == {delivery.uid}
    assert {x.body for x in r.received} == {delivery.body.encode()}


def test_a_succeeded_delivery_can_be_sent_again(receiver, subscribed, account):
    r = receiver()
    installation = subscribed(r.url)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get(installation=installation)
    delivery_send(delivery_id=delivery.pk)

    delivery_replay(delivery=delivery, actor=BY)

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert [x.headers["webhook-id"] for x in r.received] == [delivery.uid, delivery.uid]


@pytest.mark.parametrize("status", ["pending", "cancelled"])
def test_pending_or_cancelled_deliveries_are_not_replayed(status, subscribed, account):
    installation = subscribed("https://receiver.example.com/hooks")
    change(account)
    events_fan_out()
    Delivery.objects.update(status=status)
    delivery = Delivery.objects.get(installation=installation)

    with pytest.raises(Conflict, match=f"this one is {status}"):
        delivery_replay(delivery=delivery, actor=BY)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.replays) == (status, 0)
