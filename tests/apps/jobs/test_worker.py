"""Jobs through real Celery processes: the worker runs them, the sweeper recovers them."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.jobs.kinds import DIAGNOSTIC
from apps.jobs.models import Heartbeat, Job
from apps.jobs.services import job_create, jobs_sweep
from tests.worker import purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _state(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def _finished(job_id: int) -> Job | None:
    job = _state(job_id)
    return job if job.is_finished else None


def test_a_job_runs_to_the_end_on_a_real_worker(celery_processes):
    celery_processes("worker")
    with transaction.atomic():
        job = job_create(kind=DIAGNOSTIC, payload={"steps": 3, "step_seconds": 0}, total=3)

    done = wait_for(lambda: _finished(job.pk), timeout=60, what="the job to finish")

    assert done.state == Job.State.SUCCEEDED
    assert (done.progress_done, done.progress_total) == (3, 3)
    assert done.message == "Step 3 of 3 ran on a worker."


def test_a_job_whose_message_was_lost_is_picked_up_by_the_sweeper(celery_processes, settings):
    with transaction.atomic():
        job = job_create(kind=DIAGNOSTIC, payload={"steps": 2, "step_seconds": 0}, total=2)
    purge_broker()  # the message is lost before any worker sees it
    celery_processes("worker")

    # Nothing happens on its own: the row is pending and no message exists.
    assert _state(job.pk).state == Job.State.PENDING

    settings.JOBS_STALE_SECONDS = 0
    Job.objects.filter(pk=job.pk).update(enqueued_at=timezone.now() - timedelta(seconds=5))
    assert jobs_sweep() == [job.pk]

    done = wait_for(lambda: _finished(job.pk), timeout=60, what="the swept job to finish")
    assert done.state == Job.State.SUCCEEDED


def test_a_job_survives_a_worker_killed_mid_way(celery_processes, settings):
    first = celery_processes("worker")
    with transaction.atomic():
        job = job_create(kind=DIAGNOSTIC, payload={"steps": 20, "step_seconds": 0.3}, total=20)
    wait_for(lambda: _state(job.pk).progress_done >= 2, timeout=60, what="some progress")

    first.kill()
    killed = _state(job.pk)
    assert killed.state == Job.State.RUNNING
    assert killed.progress_done < 20

    # The dead worker's lease runs out (shortened here), then the sweeper hands the job to
    # a new worker, which resumes from the recorded progress.
    Job.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        enqueued_at=timezone.now() - timedelta(minutes=5),
    )
    celery_processes("worker")
    settings.JOBS_STALE_SECONDS = 0
    assert job.pk in jobs_sweep()

    done = wait_for(lambda: _finished(job.pk), timeout=90, what="the resumed job to finish")
    assert done.state == Job.State.SUCCEEDED
    assert done.progress_done == 20


def test_beat_schedules_the_sweeper_on_a_worker(celery_processes):
    celery_processes("worker")
    celery_processes("beat", extra_env={"JOBS_SWEEP_SECONDS": "1"})

    beat = wait_for(
        lambda: Heartbeat.objects.filter(name="sweeper").first(),
        timeout=60,
        what="the sweeper's heartbeat",
    )
    assert timezone.now() - beat.last_seen_at < timedelta(seconds=30)
