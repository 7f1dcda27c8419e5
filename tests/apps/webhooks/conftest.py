"""Shared setup of the webhook tests: a real receiver on loopback, an app subscribed to
CRM account changes installed on ``account``, and changes made through the record
services.

- ``receiver(*answers)``: a started ``Receiver`` (stopped at the end).
- ``subscribed(url, scopes=, webhooks=)``: a published app of ``other_account`` whose
  manifest subscribes ``url`` to ``crm.account.created`` and ``.updated``, installed on
  ``account`` by ``admin``.
- ``change(account, name=)``: a CRM account created through ``record_create`` (its
  ``created`` event); ``rename(record, name)``: its ``updated`` event.
- ``failing_subscription(publisher=, account=, admin=, state=, also=)``: an app of
  ``publisher`` installed on ``account``, its ``created`` subscription in ``state`` with
  one failed delivery.
"""

from __future__ import annotations

import pytest

from apps.accounts.actors import actor_system
from apps.modules.models import CrmAccount
from apps.modules.services import record_create, record_update
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import events_fan_out
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

SCOPES = [{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}]


def hooks_for(url: str, *events: str) -> list[dict[str, str]]:
    events = events or ("crm.account.created", "crm.account.updated")
    return [{"id": e.replace(".", "-"), "event": e, "url": url} for e in events]


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0, 0]


@pytest.fixture
def receiver():
    started: list[Receiver] = []

    def start(*answers: Answer) -> Receiver:
        r = Receiver(*answers)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop()


@pytest.fixture
def subscribed(account, admin, other_account):
    count = iter(range(1000))

    def make(url: str, *, scopes=None, webhooks=None, on=None, by=None):
        app = make_app(account=other_account, name=f"Hooked {next(count)}")
        version = make_version(
            app=app,
            status="published",
            scopes=SCOPES if scopes is None else scopes,
            webhooks=hooks_for(url) if webhooks is None else webhooks,
        )
        return make_installation(account=on or account, version=version, by_user=by or admin)

    return make


def change(account, name: str = "Initech") -> CrmAccount:
    return record_create(
        model=CrmAccount,
        account_id=account.pk,
        values={"name": name},
        actor=actor_system(label="test"),
    )


def rename(record: CrmAccount, name: str) -> CrmAccount:
    return record_update(record=record, values={"name": name}, actor=actor_system(label="test"))


def failing_subscription(*, publisher, account, admin, state, also=()):
    """An app of ``publisher`` (named Hooked) installed on ``account`` by ``admin``, its
    ``crm.account.created`` subscription in ``state``, failing since its one delivery,
    which failed; ``also`` names more of the health row's fields set to that moment.
    Returns the app, the installation and the health row."""
    app = make_app(account=publisher, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=SCOPES,
        webhooks=hooks_for("https://receiver.example.com/hooks", "crm.account.created"),
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get()
    Delivery.objects.update(status=Delivery.Status.FAILED, finished_at=delivery.created_at)
    row = SubscriptionHealth.objects.create(
        subscription_id=delivery.subscription_id,
        installation=installation,
        state=state,
        failing_since=delivery.created_at,
        **{field: delivery.created_at for field in also},
    )
    return app, installation, row
