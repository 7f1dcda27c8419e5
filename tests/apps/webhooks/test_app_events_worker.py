"""App events through a real Celery worker: ``app.installed`` and ``app.updated`` woken
after their commit and sent by the delivery task; ``app.uninstalled`` sent by the
uninstall job on the worker while the installation and its subscriptions are still
there, then the cascade removes them."""

import json

import pytest
from standardwebhooks.webhooks import Webhook

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation, WebhookSubscription
from apps.installations.services import installation_uninstall, installation_update
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.webhooks.models import Delivery
from apps.webhooks.services import signing_secret_current
from tests.apps.webhooks.conftest import hooks_for
from tests.apps.webhooks.receiver import Answer
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE": "0.3,0.3,0.3"}
APP_EVENTS = ("app.installed", "app.updated", "app.uninstalled")


def _admin(account, admin):
    return acting_as(
        actor_for_user(user=admin), Membership.objects.get(account=account, user=admin)
    )


def _types(r) -> list[str]:
    return [json.loads(x.body)["type"] for x in r.received]


def _app(url, other_account):
    app = make_app(account=other_account, name="Lifecycle")
    hooks = hooks_for(url, *APP_EVENTS)
    return app, hooks, make_version(app=app, status="published", scopes=[], webhooks=hooks)


def test_install_and_update_reach_the_receiver_through_the_worker(
    celery_processes, receiver, account, admin, other_account
):
    celery_processes("worker", extra_env=ENV)
    r = receiver(Answer(500), Answer(200))
    app, hooks, v1 = _app(r.url, other_account)

    installation = make_installation(account=account, version=v1, by_user=admin)

    installed = wait_for(
        lambda: Delivery.objects.filter(installation=installation, status="succeeded").first(),
        timeout=60,
        what="app.installed",
    )
    assert (installed.event_type, installed.attempts) == ("app.installed", 2)

    v2 = make_version(app=app, number="1.1.0", status="published", scopes=[], webhooks=hooks)
    installation_update(
        installation=installation, version=v2, actor=_admin(account, admin), consent=False
    )

    wait_for(lambda: len(r.received) == 3, timeout=60, what="app.updated")
    assert _types(r) == ["app.installed", "app.installed", "app.updated"]
    secret = signing_secret_current(app_id=app.pk)
    payload = Webhook(secret).verify(r.received[-1].body, r.received[-1].headers)
    assert payload["data"]["version"] == {"from": "1.0.0", "to": "1.1.0"}
    updated = wait_for(
        lambda: Delivery.objects.filter(event_type="app.updated", status="succeeded").first(),
        timeout=30,
        what="the app.updated delivery's record",
    )
    assert updated.attempts == 1


def test_the_uninstall_job_on_the_worker_tells_the_app_before_its_cascade(
    celery_processes, receiver, account, admin, other_account
):
    celery_processes("worker", extra_env=ENV)
    # The receiver holds the request a moment: the job waits for its answer.
    r = receiver(Answer(200, delay=1.5))
    app, _, v1 = _app(r.url, other_account)
    installation = make_installation(account=account, version=v1, by_user=admin)
    wait_for(lambda: r.received, timeout=60, what="app.installed")

    installation_uninstall(installation=installation, actor=_admin(account, admin))

    wait_for(lambda: len(r.received) == 2, timeout=60, what="app.uninstalled")
    # Received while the job waits for the answer: nothing is removed yet.
    assert Installation.objects.filter(pk=installation.pk).exists()
    assert WebhookSubscription.objects.filter(installation_id=installation.pk).count() == 3
    job = Job.objects.get(kind=INSTALLATION_UNINSTALL, payload__installation_id=installation.pk)
    job = wait_for(
        lambda: Job.objects.filter(pk=job.pk, state="succeeded").first(),
        timeout=60,
        what="the uninstall job",
    )
    assert not Installation.objects.filter(pk=installation.pk).exists()
    assert not Delivery.objects.filter(installation_id=installation.pk).exists()
    assert _types(r) == ["app.installed", "app.uninstalled"]
    payload = Webhook(signing_secret_current(app_id=app.pk)).verify(
        r.received[1].body, r.received[1].headers
    )
    assert payload["installation_id"] == installation.pk
    assert payload["data"]["version"] == {"from": "1.0.0", "to": None}
