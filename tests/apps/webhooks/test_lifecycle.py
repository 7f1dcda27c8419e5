"""Deliveries and attempts go with their installation (uninstall, step by step or in one
statement) and an app's signing secrets with the app; nothing of another installation
or app is touched."""

import pytest

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.catalog.services import app_delete
from apps.installations.models import Installation, WebhookSubscription
from apps.installations.services import installation_uninstall
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.lifecycle.services.batches import NO_DEADLINE
from apps.lifecycle.services.cascade import UNINSTALL_STEPS
from apps.lifecycle.services.whole import installations_small
from apps.webhooks.models import Attempt, Delivery, SigningSecret
from apps.webhooks.services import delivery_send, events_fan_out, signing_secret_current
from tests.apps.lifecycle.conftest import make_people, populate, publish_app, run_job
from tests.apps.webhooks.conftest import change, rename
from tests.apps.webhooks.receiver import Answer
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _with_deliveries(receiver, account, version):
    """An installation of ``version`` on ``account`` with a delivered and a pending
    delivery (an attempt each)."""
    installed = populate(account=account, version=version, people=make_people(account=account))
    WebhookSubscription.objects.filter(installation=installed.installation).update(
        url=receiver(Answer(200), Answer(500)).url
    )
    return installed


def _deliver_all() -> None:
    events_fan_out()
    for pk in Delivery.objects.filter(attempts=0).values_list("pk", flat=True):
        delivery_send(delivery_id=pk)


def _rows(installation_id):
    return (
        Delivery.objects.filter(installation_id=installation_id).count(),
        Attempt.objects.filter(installation_id=installation_id).count(),
    )


def _uninstall(installed):
    admin = installed.people.admin
    installation_uninstall(
        installation=installed.installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(account=installed.people.account, user=admin),
        ),
    )
    return Job.objects.get(kind=INSTALLATION_UNINSTALL, payload__installation_id=installed.pk)


@pytest.fixture
def two(receiver):
    published = publish_app(account=AccountFactory())
    first = _with_deliveries(receiver, AccountFactory(), published.version)
    second = _with_deliveries(receiver, AccountFactory(), published.version)
    for installed in (first, second):
        record = change(installed.people.account)
        rename(record, "Initrode")
        rename(record, "Initrode Ltd")
    _deliver_all()
    assert _rows(first.pk) == (2, 2)
    assert _rows(second.pk) == (2, 2)
    return published, first, second


def test_a_small_installation_goes_whole_with_its_deliveries_and_attempts(
    receiver, subscribed, account, admin
):
    mine = subscribed(receiver(Answer(200), Answer(500)).url)
    bystander = subscribed(receiver().url)
    rename(change(account), "Initrode")
    _deliver_all()
    assert _rows(mine.pk) == _rows(bystander.pk) == (2, 2)
    assert installations_small(installation_ids=[mine.pk]) == {mine.pk}

    installation_uninstall(
        installation=mine,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    job = run_job(Job.objects.get(kind=INSTALLATION_UNINSTALL))

    assert job.state == Job.State.SUCCEEDED
    assert not Installation.objects.filter(pk=mine.pk).exists()
    assert _rows(mine.pk) == (0, 0)
    assert _rows(bystander.pk) == (2, 2)


def test_uninstall_removes_them_in_the_webhooks_step(two):
    _published, first, second = two

    job = run_job(_uninstall(first))

    assert job.state == Job.State.SUCCEEDED
    assert not Installation.objects.filter(pk=first.pk).exists()
    assert _rows(first.pk) == (0, 0)
    assert _rows(second.pk) == (2, 2)


def test_the_webhooks_step_removes_them_with_the_subscriptions(two):
    _published, first, second = two
    _uninstall(first)

    for step in UNINSTALL_STEPS:
        step.run(first.pk, NO_DEADLINE)
        if step.name == "webhooks":
            assert _rows(first.pk) == (0, 0)
            assert not WebhookSubscription.objects.filter(installation_id=first.pk).exists()

    assert _rows(second.pk) == (2, 2)


def test_app_deletion_removes_its_deliveries_and_signing_secrets(two, receiver, subscribed):
    published, first, second = two
    other = subscribed(receiver().url)
    signing_secret_current(app_id=other.app_id)
    assert SigningSecret.objects.filter(app=published.app).count() == 1

    app_delete(app=published.app, actor=actor_system(label="developer"))
    job = run_job(Job.objects.get(kind=APP_DELETE))

    assert job.state == Job.State.SUCCEEDED
    assert _rows(first.pk) == _rows(second.pk) == (0, 0)
    assert not SigningSecret.objects.filter(app_id=published.app.pk).exists()
    assert SigningSecret.objects.filter(app_id=other.app_id).count() == 1
