"""The developer's webhooks API: the signing secrets and their rotation, the delivery log
with its filters, one delivery with its attempts."""

import pytest
from standardwebhooks.webhooks import Webhook

from apps.webhooks.models import Delivery
from apps.webhooks.services import delivery_send, events_fan_out
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.webhooks.conftest import change, rename
from tests.apps.webhooks.receiver import Answer
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _developer_of(account):
    return MembershipFactory(
        account=account, user=UserFactory(email="dev@hooks.test"), is_developer=True
    ).user


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]


def test_rotating_shows_the_new_secret_first_and_the_old_one_until_it_expires(
    subscribed, receiver, account, other_account
):
    r = receiver(Answer(200))
    installation = subscribed(r.url)
    # The app is other_account's: its developer reads the secrets.
    client = api_client(_developer_of(other_account))
    base = f"{API}/apps/{installation.app.code}/webhooks"

    first = client.get(base + "/secret").json()["secrets"]
    assert len(first) == 1 and first[0]["expires_at"] is None
    rotated = client.post(base + "/secret/rotate").json()["secrets"]

    assert [s["secret"] for s in rotated][1] == first[0]["secret"]
    assert rotated[0]["expires_at"] is None and rotated[1]["expires_at"] is not None
    change(account)
    events_fan_out()
    delivery_send(delivery_id=Delivery.objects.get().pk)
    got = r.received[0]
    for shown in rotated:
        assert Webhook(shown["secret"]).verify(got.body, got.headers)["type"]


def test_the_log_lists_filters_and_details_deliveries(subscribed, receiver, account, other_account):
    r = receiver(Answer(500), Answer(200))
    installation = subscribed(r.url)
    client = api_client(_developer_of(other_account))
    base = f"{API}/apps/{installation.app.code}/webhooks/deliveries"
    record = change(account)
    rename(record, "Initrode")
    events_fan_out()
    created = Delivery.objects.get(event_type="crm.account.created")
    delivery_send(delivery_id=created.pk)
    delivery_send(delivery_id=created.pk)

    everything = client.get(base).json()
    assert everything["count"] == 2
    assert [d["event"] for d in everything["results"]] == [
        "crm.account.updated",
        "crm.account.created",
    ]
    assert client.get(base, {"status": "succeeded"}).json()["count"] == 1
    assert client.get(base, {"event": "crm.account.updated"}).json()["count"] == 1
    assert client.get(base, {"account": account.slug}).json()["count"] == 2
    assert client.get(base, {"account": "nowhere"}).json()["count"] == 0
    assert client.get(base, {"since": "2100-01-01T00:00:00Z"}).json()["count"] == 0
    assert_error(client.get(base, {"status": "lost"}), 400, "invalid", fields={"status"})
    assert_error(client.get(base, {"since": "yesterday"}), 400, "invalid", fields={"since"})

    detail = client.get(f"{base}/{created.uid}").json()
    assert detail["id"] == created.uid and detail["status"] == "succeeded"
    assert detail["body"] == created.body
    assert [(a["number"], a["status_code"], a["outcome"]) for a in detail["attempt_list"]] == [
        (1, 500, "retry"),
        (2, 200, "succeeded"),
    ]
    assert detail["attempt_list"][0]["request_headers"]["webhook-id"] == created.uid
    assert_error(client.get(f"{base}/msg_unknown"), 404, "not_found")
