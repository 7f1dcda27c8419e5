"""Replaying every failed delivery of an app since a time, as a job: only the app's
failed deliveries since then (of one account and one event when asked) are sent again,
with their ids; the job counts them and running it again sends nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.jobs.kinds import WEBHOOKS_REPLAY
from apps.jobs.models import Job
from apps.webhooks.jobs import deliveries_replay_failed_start
from apps.webhooks.models import Delivery
from apps.webhooks.services import delivery_send, events_fan_out
from tests.apps.lifecycle.conftest import run_job
from tests.apps.webhooks.conftest import change, rename
from tests.apps.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db


def test_the_job_sends_again_the_failed_deliveries_asked_for(
    receiver, subscribed, account, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    r = receiver(Answer(500))
    mine = subscribed(r.url)
    other_app = subscribed(r.url)
    record = change(account)
    rename(record, "Initrode")
    events_fan_out()
    for pk in Delivery.objects.values_list("pk", flat=True):
        assert delivery_send(delivery_id=pk) == "failed"
    old = Delivery.objects.get(installation=mine, event_type="crm.account.created")
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))

    job = deliveries_replay_failed_start(
        app=mine.app, actor=actor_system(label="dev"), since=timezone.now() - timedelta(days=1)
    )
    job = run_job(job)

    assert (job.kind, job.state) == (WEBHOOKS_REPLAY, Job.State.SUCCEEDED)
    assert (job.progress_done, job.progress_total) == (1, 1)
    pending = Delivery.objects.filter(status="pending")
    assert list(pending.values_list("installation_id", "event_type", "replays")) == [
        (mine.pk, "crm.account.updated", 1)
    ]
    assert not Delivery.objects.filter(installation=other_app, status="pending").exists()
    # Run again: nothing is replayed twice.
    Job.objects.filter(pk=job.pk).update(state=Job.State.PENDING, payload={**job.payload})
    run_job(job)
    assert Delivery.objects.get(pk=pending.get().pk).replays == 1
