"""The fan-out's wake-up: one ``webhooks.fan_out`` message after a transaction that
wrote change events a subscription may want commits, however many it wrote; none for a
rollback, and none when no subscription on the events' accounts names their types (the
sweeper's pass takes those and marks them dispatched)."""

import pytest
from django.db import transaction

from apps.installations.selectors import subscribed_events_of_account
from apps.modules.models import ChangeEvent
from apps.webhooks.models import Delivery
from apps.webhooks.services import events_fan_out
from apps.webhooks.tasks import events_fan_out_task
from tests.apps.webhooks.conftest import change, hooks_for, rename
from tests.worker import purge_broker

pytestmark = pytest.mark.django_db

URL = "https://receiver.example.com/hooks"


@pytest.fixture
def wakeups(monkeypatch):
    """The fan-out wake-ups handed to the broker (their task ids). The queue is emptied
    afterwards so no worker sees them."""
    real = events_fan_out_task.apply_async
    sent: list[str] = []

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        sent.append(result.id)
        return result

    purge_broker()
    monkeypatch.setattr(events_fan_out_task, "apply_async", spy)
    yield sent
    purge_broker()


def test_one_wake_up_after_the_commit_of_a_transaction_with_wanted_events(
    subscribed, account, other_account, wakeups, django_capture_on_commit_callbacks
):
    subscribed(URL)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record = change(account)
        rename(record, "Initrode")
        change(other_account)
        assert wakeups == []

    assert len(wakeups) == 1
    assert events_fan_out() == 3
    assert Delivery.objects.count() == 2


def test_no_wake_up_for_a_rollback(
    subscribed, account, wakeups, django_capture_on_commit_callbacks
):
    subscribed(URL)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        change(account)
        raise RuntimeError

    assert wakeups == []


@pytest.mark.parametrize("why", ["no_subscription", "other_type", "other_account"])
def test_no_wake_up_when_no_subscription_names_the_events_and_the_sweep_takes_them(
    why, subscribed, account, other_account, wakeups, django_capture_on_commit_callbacks
):
    if why == "other_type":
        subscribed(URL, webhooks=hooks_for(URL, "crm.account.updated"))
    elif why == "other_account":
        subscribed(URL)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change(other_account if why == "other_account" else account)

    assert len(callbacks) == 1
    assert wakeups == []
    assert events_fan_out() == 1  # the sweeper's pass
    assert not ChangeEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert not Delivery.objects.exists()


def test_a_subscription_made_before_the_sweep_still_gets_the_event(
    subscribed, account, wakeups, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change(account)
    assert wakeups == []

    installation = subscribed(URL)
    assert events_fan_out() == 1
    assert Delivery.objects.get().installation_id == installation.pk


def test_a_new_subscription_is_heard_at_the_next_commit(
    subscribed, account, wakeups, django_capture_on_commit_callbacks
):
    assert subscribed_events_of_account(account_id=account.pk) == frozenset()  # now kept
    with django_capture_on_commit_callbacks(execute=True):
        subscribed(URL)  # forgotten once the install commits
    with django_capture_on_commit_callbacks(execute=True):
        change(account)

    assert len(wakeups) == 1
    assert subscribed_events_of_account(account_id=account.pk) == {
        "crm.account.created",
        "crm.account.updated",
    }
