"""The app's *Replay failed deliveries* page: the form starts the ``webhooks.replay_failed``
job (of one account and one event when chosen) and goes to its page, whose progress
counts what was sent again; bad input names its field and starts nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.jobs.kinds import WEBHOOKS_REPLAY
from apps.jobs.models import Job
from apps.webhooks.models import Delivery
from apps.webhooks.services import delivery_send, events_fan_out
from tests.apps.lifecycle.conftest import run_job
from tests.apps.webhooks.conftest import change, hooks_for, rename
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.conftest import login
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(account, admin, settings):
    """An app of ``account`` installed there, whose two deliveries failed (a 500, no retry)."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver = Receiver(Answer(500))
    app = make_app(account=account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
        webhooks=hooks_for(receiver.url),
    )
    make_installation(account=account, version=version, by_user=admin)
    rename(change(account), "Initrode")
    events_fan_out()
    for pk in Delivery.objects.values_list("pk", flat=True):
        assert delivery_send(delivery_id=pk) == "failed"
    yield app
    receiver.stop()


def _url(app):
    return reverse("console:developer:app-webhooks-replay-failed", kwargs={"code": app.code})


def _since(days=1):
    return timezone.localtime(timezone.now() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_the_webhooks_page_offers_it_and_the_form_defaults_to_a_day(failed, developer):
    client = login(developer)
    page = client.get(reverse("console:developer:app-webhooks", kwargs={"code": failed.code}))
    assert _url(failed) in page.content.decode()

    form = client.get(_url(failed)).content.decode()
    assert 'name="since"' in form and 'type="datetime-local"' in form
    assert _since()[:10] in form
    assert "Every account" in form


def test_the_job_replays_the_chosen_event_and_its_page_shows_the_progress(
    failed, developer, account
):
    client = login(developer)
    response = client.post(
        _url(failed),
        {"since": _since(), "account": str(account.pk), "event": "crm.account.updated"},
    )

    job = Job.objects.get(kind=WEBHOOKS_REPLAY)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    run_job(job)
    replayed = Delivery.objects.get(status="pending")
    assert (replayed.event_type, replayed.replays) == ("crm.account.updated", 1)
    assert Delivery.objects.get(event_type="crm.account.created").status == "failed"

    page = client.get(response["Location"]).content.decode()
    assert "1 of 1 failed deliveries sent again." in page
    assert "Back to the app" in page


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"since": ""}, "since", "This field is required."),
        ({"since": "yesterday"}, "since", "Enter a valid date/time."),
        ({"since": "2999-01-01T00:00"}, "since", "Choose a time in the past."),
        ({"since": "2026-01-01T00:00", "account": "999999"}, "account", "valid choice"),
    ],
)
def test_bad_input_names_its_field_and_starts_nothing(failed, developer, data, field, error):
    response = login(developer).post(_url(failed), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert field in response.context["form"].errors
    assert not Job.objects.exists()
    assert not Delivery.objects.filter(status="pending").exists()
