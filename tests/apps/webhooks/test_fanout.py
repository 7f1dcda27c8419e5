"""Fan-out: a change event becomes one delivery per active, matching subscription of an
active installation on the event's account whose app is active and whose grant still
reads the event's model; the body is the record as the API shows it, with the ids."""

import json

import pytest
from django.db import transaction

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.models import App, AppStatus
from apps.installations.models import Installation, InstallationStatus
from apps.installations.services import installation_update
from apps.modules.models import ChangeEvent
from apps.webhooks.models import Delivery
from apps.webhooks.services import events_fan_out
from tests.apps.webhooks.conftest import change, hooks_for, rename
from tests.factories.catalog import make_version

pytestmark = pytest.mark.django_db

URL = "https://receiver.example.com/hooks"


def test_each_event_goes_to_each_matching_subscription_once(subscribed, account):
    mine = subscribed(URL)
    only_updates = subscribed(URL, webhooks=hooks_for(URL, "crm.account.updated"))

    record = change(account)
    rename(record, "Initrode")
    assert events_fan_out() == 2
    assert events_fan_out() == 0  # nothing waits any more; running again creates nothing

    got = sorted(Delivery.objects.values_list("installation_id", "event_type", "webhook_id"))
    assert got == sorted(
        [
            (mine.pk, "crm.account.created", "crm-account-created"),
            (mine.pk, "crm.account.updated", "crm-account-updated"),
            (only_updates.pk, "crm.account.updated", "crm-account-updated"),
        ]
    )
    assert not ChangeEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_the_body_carries_the_record_and_the_ids(subscribed, account):
    installation = subscribed(URL)
    record = change(account)
    events_fan_out()

    delivery = Delivery.objects.get()
    event = ChangeEvent.objects.get()
    body = json.loads(delivery.body)
    assert body == {
        "type": "crm.account.created",
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "account_id": account.pk,
        "installation_id": installation.pk,
        "event_id": event.pk,
        "webhook": "crm-account-created",
        "data": {
            "model": "crm.account",
            "action": "created",
            "id": record.pk,
            "changed": ["name"],
            "record": event.data,
        },
    }
    assert body["data"]["record"]["name"] == "Initech"
    assert "updated_at" in body["data"]["record"]
    assert delivery.uid.startswith("msg_")
    assert delivery.status == Delivery.Status.PENDING


def test_events_that_rolled_back_are_never_delivered(subscribed, account):
    subscribed(URL)
    with pytest.raises(RuntimeError), transaction.atomic():
        change(account)
        raise RuntimeError

    assert events_fan_out() == 0
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("why", ["uninstalling", "app_inactive", "other_account", "no_scope"])
def test_no_delivery_where_the_subscription_does_not_count(why, subscribed, account, other_account):
    installation = subscribed(URL)
    if why == "uninstalling":
        Installation.objects.filter(pk=installation.pk).update(
            status=InstallationStatus.UNINSTALLING
        )
    elif why == "app_inactive":
        App.objects.filter(pk=installation.app_id).update(status=AppStatus.INACTIVE)
    elif why == "no_scope":
        # The grant no longer reads the model (as a narrowing would leave it).
        Installation.objects.filter(pk=installation.pk).update(granted_scopes=["fin.invoices:read"])

    change(other_account if why == "other_account" else account)

    assert events_fan_out() == 1
    assert not Delivery.objects.exists()


def test_a_scope_narrowed_by_an_update_stops_the_models_events_and_cancels_pending_ones(
    subscribed, account, admin
):
    installation = subscribed(
        URL,
        scopes=[
            {"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."},
            {"code": "fin.invoices", "level": "read", "reason": "Reads invoices."},
        ],
    )
    record = change(account)
    events_fan_out()
    assert Delivery.objects.count() == 1

    narrower = make_version(
        app=installation.app,
        number="1.1.0",
        status="published",
        scopes=[{"code": "fin.invoices", "level": "read", "reason": "Reads invoices."}],
        webhooks=[],
    )
    installation_update(
        installation=installation,
        version=narrower,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
        consent=False,
    )
    rename(record, "Initrode")
    events_fan_out()

    # The update removed the subscription with the scope: its pending delivery is
    # cancelled (kept in the log), and the later change is not delivered.
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.CANCELLED
    assert delivery.last_error == "The subscription was removed (an update of the app)."
    assert delivery.finished_at is not None
