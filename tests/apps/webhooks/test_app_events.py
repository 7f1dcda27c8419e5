"""App events (``app.installed``, ``app.updated``, ``app.uninstalled``): declared in the
manifest with no scope, delivered to a real receiver on loopback, signed and logged like
every delivery, only to the installation they are about; ``app.uninstalled`` is
attempted by the uninstall job before its cascade removes the rows."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.catalog.services import app_delete
from apps.installations.models import Installation, InstallationEvent, WebhookSubscription
from apps.installations.services import (
    installation_rollout,
    installation_uninstall,
    installation_update,
)
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.webhooks.models import Attempt, Delivery, SubscriptionHealth
from apps.webhooks.services import (
    delivery_replay,
    delivery_send,
    events_fan_out,
    signing_secret_current,
)
from apps.webhooks.services.app_events import app_uninstalled_send
from tests.apps.lifecycle.conftest import run_job
from tests.apps.webhooks.conftest import SCOPES, change, hooks_for
from tests.apps.webhooks.receiver import Answer
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

APP_EVENTS = ("app.installed", "app.updated", "app.uninstalled")


def _as_admin(account, admin):
    return acting_as(
        actor_for_user(user=admin), Membership.objects.get(account=account, user=admin)
    )


@pytest.fixture
def lifecycle_app(other_account):
    """A published app whose manifest subscribes a receiver to the three app events
    (and declares no scope), with a second version to update to."""

    def make(url: str, *, scopes=(), name: str = "Lifecycle"):
        app = make_app(account=other_account, name=name)
        hooks = hooks_for(url, *APP_EVENTS)
        v1 = make_version(app=app, status="published", scopes=list(scopes), webhooks=hooks)
        return app, v1, hooks

    return make


def _body(delivery: Delivery) -> dict:
    return json.loads(delivery.body)


def test_an_install_sends_app_installed_signed_to_the_standard(
    receiver, lifecycle_app, account, admin
):
    r = receiver(Answer(204))
    app, v1, _ = lifecycle_app(r.url)

    installation = make_installation(account=account, version=v1, by_user=admin)

    (delivery,) = Delivery.objects.filter(installation=installation)
    event = InstallationEvent.objects.get(installation=installation, kind="installed")
    assert (delivery.event_type, delivery.webhook_id, delivery.status) == (
        "app.installed",
        "app-installed",
        "pending",
    )
    assert _body(delivery) == {
        "type": "app.installed",
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "account_id": account.pk,
        "installation_id": installation.pk,
        "event_id": event.pk,
        "webhook": "app-installed",
        "data": {
            "app": str(app.code),
            "version": {"from": None, "to": "1.0.0"},
            "scopes": [],
            "actor": {"type": "user", "user_id": admin.pk},
        },
    }

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"

    (got,) = r.received
    payload = Webhook(signing_secret_current(app_id=app.pk)).verify(got.body, got.headers)
    assert payload == _body(delivery)
    assert got.headers["webhook-id"] == delivery.uid
    attempt = Attempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.outcome) == (204, "succeeded")


def test_an_update_sends_app_updated_with_both_versions_and_the_scope_change(
    receiver, lifecycle_app, account, admin
):
    r = receiver()
    app, v1, hooks = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    v2 = make_version(app=app, number="1.1.0", status="published", scopes=SCOPES, webhooks=hooks)

    installation_update(
        installation=installation, version=v2, actor=_as_admin(account, admin), consent=True
    )

    delivery = Delivery.objects.get(installation=installation, event_type="app.updated")
    assert _body(delivery)["data"] == {
        "app": str(app.code),
        "version": {"from": "1.0.0", "to": "1.1.0"},
        "scopes": ["crm.accounts:read"],
        "actor": {"type": "user", "user_id": admin.pk},
        "scopes_added": ["crm.accounts:read"],
        "scopes_removed": [],
        "automatic": False,
    }
    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert [json.loads(x.body)["type"] for x in r.received] == ["app.updated"]


def test_an_automatic_update_by_the_rollout_sends_app_updated_by_the_platform(
    receiver, lifecycle_app, account, admin
):
    r = receiver()
    app, v1, hooks = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    v2 = make_version(app=app, number="1.0.1", status="published", scopes=[], webhooks=hooks)

    assert installation_rollout(installation_id=installation.pk, version=v2) == "updated"

    delivery = Delivery.objects.get(installation=installation, event_type="app.updated")
    data = _body(delivery)["data"]
    assert data["version"] == {"from": "1.0.0", "to": "1.0.1"}
    assert (data["actor"], data["automatic"]) == ({"type": "system", "user_id": None}, True)


def test_an_update_that_drops_the_webhook_sends_nothing(receiver, lifecycle_app, account, admin):
    app, v1, hooks = lifecycle_app(receiver().url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    v2 = make_version(app=app, number="1.1.0", status="published", scopes=[], webhooks=hooks[:1])

    installation_update(
        installation=installation, version=v2, actor=_as_admin(account, admin), consent=False
    )

    assert not Delivery.objects.filter(installation=installation, event_type="app.updated")


def test_only_the_installation_the_event_is_about_gets_it(
    receiver, lifecycle_app, account, admin, other_account, outsider
):
    r = receiver()
    _, first_v1, _ = lifecycle_app(r.url, name="First")
    _, second_v1, _ = lifecycle_app(r.url, name="Second")
    first = make_installation(account=account, version=first_v1, by_user=admin)
    first_elsewhere = make_installation(account=other_account, version=first_v1, by_user=outsider)

    second = make_installation(account=account, version=second_v1, by_user=admin)

    assert list(Delivery.objects.order_by("pk").values_list("installation_id", "event_type")) == [
        (first.pk, "app.installed"),
        (first_elsewhere.pk, "app.installed"),
        (second.pk, "app.installed"),
    ]
    # A change on the account is no app event: its fan-out reaches none of them.
    change(account)
    events_fan_out()
    assert Delivery.objects.count() == 3


def test_an_app_event_is_sent_whatever_the_installation_grants(
    receiver, lifecycle_app, account, admin
):
    r = receiver()
    _app, v1, _ = lifecycle_app(r.url, scopes=SCOPES)
    installation = make_installation(account=account, version=v1, by_user=admin)
    delivery = Delivery.objects.get(installation=installation)

    Installation.objects.filter(pk=installation.pk).update(granted_scopes=[])

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"


def test_a_disabled_subscription_gets_no_app_event(receiver, lifecycle_app, account, admin):
    app, v1, hooks = lifecycle_app(receiver().url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    sub = WebhookSubscription.objects.get(installation=installation, event="app.updated")
    SubscriptionHealth.objects.create(
        subscription_id=sub.pk, installation=installation, state="disabled"
    )
    v2 = make_version(app=app, number="1.1.0", status="published", scopes=[], webhooks=hooks)

    installation_update(
        installation=installation, version=v2, actor=_as_admin(account, admin), consent=False
    )

    assert not Delivery.objects.filter(installation=installation, event_type="app.updated")


def test_an_app_event_is_replayed_with_its_id(receiver, lifecycle_app, account, admin, developer):
    r = receiver(Answer(410), Answer(200))
    _app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    delivery = Delivery.objects.get(installation=installation)
    assert delivery_send(delivery_id=delivery.pk) == "failed"

    delivery_replay(delivery=delivery, actor=actor_for_user(user=developer))

    assert delivery_send(delivery_id=delivery.pk) == "succeeded"
    assert [x.headers["webhook-id"] for x in r.received] == [delivery.uid, delivery.uid]


def _uninstall(installation, account, admin) -> Job:
    installation_uninstall(installation=installation, actor=_as_admin(account, admin))
    return Job.objects.get(kind=INSTALLATION_UNINSTALL, payload__installation_id=installation.pk)


def test_uninstall_sends_app_uninstalled_before_the_cascade_removes_it(
    receiver, lifecycle_app, account, admin
):
    r = receiver(Answer(200))
    app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    delivery_send(delivery_id=Delivery.objects.get(installation=installation).pk)
    r.received.clear()

    job = _uninstall(installation, account, admin)
    delivery = Delivery.objects.get(installation=installation, event_type="app.uninstalled")
    assert (delivery.status, delivery.attempts) == ("pending", 0)  # the job sends it
    seen = []

    def after_chunk(job):
        seen.append(
            (
                len(r.received),
                WebhookSubscription.objects.filter(installation_id=installation.pk).count(),
                Delivery.objects.filter(pk=delivery.pk).values_list("status", flat=True).first(),
            )
        )

    run_job(job, after_chunk=after_chunk)

    # The first chunk only told the app, with every row still there; then they went.
    assert seen[0] == (1, 3, "succeeded")
    assert seen[-1] == (1, 0, None)
    assert job.state == "succeeded"
    assert not Installation.objects.filter(pk=installation.pk).exists()
    assert not Delivery.objects.filter(installation_id=installation.pk).exists()
    (got,) = r.received
    payload = Webhook(signing_secret_current(app_id=app.pk)).verify(got.body, got.headers)
    assert payload["type"] == "app.uninstalled"
    assert payload["data"]["version"] == {"from": "1.0.0", "to": None}
    assert payload["data"]["actor"] == {"type": "user", "user_id": admin.pk}
    assert payload["installation_id"] == installation.pk


def test_a_failed_app_uninstalled_gets_one_attempt_then_the_cascade_goes(
    receiver, lifecycle_app, account, admin
):
    r = receiver(Answer(503))
    _app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    Delivery.objects.filter(installation=installation).delete()

    job = run_job(_uninstall(installation, account, admin))

    assert job.state == "succeeded"
    assert [json.loads(x.body)["type"] for x in r.received] == ["app.uninstalled"]
    assert not Installation.objects.filter(pk=installation.pk).exists()
    assert not Delivery.objects.filter(installation_id=installation.pk).exists()


def test_an_uninstall_without_the_webhook_goes_straight_to_the_cascade(
    receiver, subscribed, account
):
    r = receiver()
    installation = subscribed(r.url)

    job = _uninstall(installation, account, installation.installed_by)
    outcomes = []
    run_job(job, after_chunk=lambda j: outcomes.append(j.progress_done))

    assert outcomes[0] > 0  # the first chunk already removed rows
    assert r.received == []


def test_the_job_waits_for_a_worker_holding_the_app_uninstalled_delivery(
    receiver, lifecycle_app, account, admin
):
    r = receiver()
    _app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    _uninstall(installation, account, admin)
    delivery = Delivery.objects.get(installation=installation, event_type="app.uninstalled")
    held = timezone.now() + timedelta(seconds=60)
    Delivery.objects.filter(pk=delivery.pk).update(lease_expires_at=held)

    assert app_uninstalled_send(installation_id=installation.pk, wait_seconds=0) == (False, 0)
    assert r.received == []

    Delivery.objects.filter(pk=delivery.pk).update(lease_expires_at=timezone.now())
    assert app_uninstalled_send(installation_id=installation.pk, wait_seconds=0) == (True, 1)
    assert app_uninstalled_send(installation_id=installation.pk, wait_seconds=0) == (True, 0)
    assert [json.loads(x.body)["type"] for x in r.received] == ["app.uninstalled"]


def test_a_claimed_app_uninstalled_is_sent_while_uninstalling_but_not_other_events(
    receiver, lifecycle_app, account, admin
):
    r = receiver()
    _app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    installed = Delivery.objects.get(installation=installation, event_type="app.installed")
    _uninstall(installation, account, admin)

    assert delivery_send(delivery_id=installed.pk) == "cancelled"
    uninstalled = Delivery.objects.get(installation=installation, event_type="app.uninstalled")
    assert delivery_send(delivery_id=uninstalled.pk) == "succeeded"
    assert [json.loads(x.body)["type"] for x in r.received] == ["app.uninstalled"]


def test_deleting_the_app_sends_no_app_uninstalled(receiver, lifecycle_app, account, admin):
    r = receiver()
    app, v1, _ = lifecycle_app(r.url)
    installation = make_installation(account=account, version=v1, by_user=admin)
    Delivery.objects.filter(installation=installation).delete()

    app_delete(app=app, actor=actor_system(label="developer"))
    job = run_job(Job.objects.get(kind=APP_DELETE, payload__app_id=app.pk))

    assert job.state == "succeeded"
    assert r.received == []
