"""How many times a job was tried, as its page tells it: the first run, each automatic
retry after a temporary error and each retry by hand, over the job's whole life (a
retry by hand resets only the budget of automatic retries)."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.jobs.models import Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register
from apps.jobs.services import job_create, job_retry, job_run

pytestmark = pytest.mark.django_db

# How each chunk of a ``test.script`` job ends, in order: "ok", "done", "flaky" or "boom".
SCRIPT: list[str] = []


def _scripted(job: Job) -> ChunkResult:
    outcome = SCRIPT.pop(0)
    if outcome == "flaky":
        raise OperationalError("server closed the connection unexpectedly")
    if outcome == "boom":
        raise ValueError("the target vanished")
    done = job.progress_done + 1
    return ChunkResult(done=done, total=3, finished=outcome == "done")


job_kind_register(JobKind(name="test.script", label="Script", run_chunk=_scripted))


@pytest.fixture
def job(monkeypatch) -> Job:
    monkeypatch.setattr("apps.jobs.services.job_enqueue", lambda **kwargs: True)
    SCRIPT.clear()
    return job_create(kind="test.script", total=3)


def run(job: Job, *outcomes: str) -> Job:
    """Run one chunk per outcome, as the worker would, past any backoff."""
    for outcome in outcomes:
        SCRIPT.append(outcome)
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(seconds=1))
        job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def counters(job: Job) -> tuple[int, int, int, int]:
    return job.tries, job.retries_automatic, job.retries_manual, job.attempts


def test_a_job_no_worker_took_yet_was_not_tried(job):
    assert counters(job) == (0, 0, 0, 0)


def test_a_job_that_ran_straight_through_was_tried_once(job):
    job = run(job, "ok", "ok", "done")

    assert job.state == Job.State.SUCCEEDED
    assert counters(job) == (1, 0, 0, 0)


def test_each_automatic_retry_after_a_temporary_error_is_a_try(job):
    job = run(job, "ok", "flaky", "flaky")

    # Two temporary errors: two automatic retries scheduled, the job is backing off.
    assert counters(job) == (3, 2, 0, 2)

    job = run(job, "ok", "done")

    assert job.state == Job.State.SUCCEEDED
    assert counters(job) == (3, 2, 0, 2)


def test_a_retry_by_hand_is_a_try_and_keeps_the_count_of_earlier_ones(job, settings):
    settings.JOBS_MAX_TRANSIENT_RETRIES = 1
    job = run(job, "flaky", "flaky")
    assert job.state == Job.State.FAILED
    # The first run, one automatic retry; the second temporary error gave up.
    assert counters(job) == (2, 1, 0, 2)

    job_retry(job=job, actor=actor_system(label="tests"))
    job.refresh_from_db()

    # The retry by hand counts at once; the budget of automatic retries starts afresh.
    assert counters(job) == (3, 1, 1, 0)

    job = run(job, "boom")
    assert job.state == Job.State.FAILED
    job_retry(job=job, actor=actor_system(label="tests"))
    job = run(job, "ok", "done")

    assert job.state == Job.State.SUCCEEDED
    assert counters(job) == (4, 1, 2, 0)
