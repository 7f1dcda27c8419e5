"""The job runner's guarantees, without a worker: each call is one Celery message."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.core.errors import Conflict, ValidationFailed
from apps.jobs.models import Heartbeat, Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register
from apps.jobs.services import job_create, job_retry, job_run, jobs_sweep

CALLS: list[int] = []


def _counter(job: Job) -> ChunkResult:
    CALLS.append(job.pk)
    total = job.payload["items"]
    done = min(total, job.progress_done + 2)
    return ChunkResult(done=done, total=total, finished=done >= total, message=f"{done} done")


def _boom(job: Job) -> ChunkResult:
    raise ValueError("the target vanished")


def _flaky(job: Job) -> ChunkResult:
    raise OperationalError("server closed the connection unexpectedly")


job_kind_register(JobKind(name="test.counter", label="Counter", run_chunk=_counter))
job_kind_register(JobKind(name="test.boom", label="Boom", run_chunk=_boom))
job_kind_register(JobKind(name="test.flaky", label="Flaky", run_chunk=_flaky))


def _slow(job: Job) -> ChunkResult:
    raise SoftTimeLimitExceeded()


def _cursor(job: Job) -> ChunkResult:
    cursor = int(job.payload.get("cursor", 0)) + 1
    return ChunkResult(
        done=cursor, total=3, finished=cursor >= 3, payload={**job.payload, "cursor": cursor}
    )


job_kind_register(JobKind(name="test.slow", label="Slow", run_chunk=_slow))
job_kind_register(JobKind(name="test.cursor", label="Cursor", run_chunk=_cursor))


@pytest.fixture
def sent(monkeypatch):
    """The wake-ups handed to the broker, as (job_id, countdown)."""
    messages: list[tuple[int, float | None]] = []
    monkeypatch.setattr(
        "apps.jobs.services.job_enqueue",
        lambda *, job_id, queue="default", countdown=None: (
            messages.append((job_id, countdown)) or True
        ),
    )
    return messages


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def test_create_sends_the_wake_up_only_after_commit(db, django_capture_on_commit_callbacks, sent):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_create(kind="test.counter", payload={"items": 3}, total=3)
        assert sent == []
    assert len(callbacks) == 1
    assert sent == [(job.pk, None)]
    assert job.state == Job.State.PENDING
    assert job.enqueued_at is not None


def test_create_refuses_an_unknown_kind(db):
    with pytest.raises(ValidationFailed) as err:
        job_create(kind="no.such.kind")
    assert err.value.fields == {"kind": ["Unknown kind."]}
    assert Job.objects.count() == 0


def test_a_job_runs_one_chunk_per_message_until_finished(db, sent):
    job = Job.objects.create(kind="test.counter", payload={"items": 5})

    assert job_run(job_id=job.pk) == "continued"
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.progress_total) == (Job.State.RUNNING, 2, 5)
    assert job.lease_token is None and job.lease_expires_at is None
    assert sent == [(job.pk, None)]

    assert job_run(job_id=job.pk) == "continued"
    assert job_run(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.percent) == (Job.State.SUCCEEDED, 5, 100)
    assert job.started_at is not None and job.finished_at is not None
    assert len(sent) == 2


def test_a_finished_job_ignores_duplicate_messages(db, sent):
    job = Job.objects.create(kind="test.counter", payload={"items": 1})
    assert job_run(job_id=job.pk) == "succeeded"
    assert job_run(job_id=job.pk) == "skipped"
    assert [job.pk] == CALLS


def test_a_job_held_by_another_worker_is_not_run_twice(db, sent):
    job = Job.objects.create(
        kind="test.counter",
        payload={"items": 4},
        state=Job.State.RUNNING,
        lease_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )
    assert job_run(job_id=job.pk) == "skipped"
    assert CALLS == []


def test_a_lease_that_ran_out_means_the_worker_died_and_another_takes_over(db, sent):
    job = Job.objects.create(
        kind="test.counter",
        payload={"items": 4},
        state=Job.State.RUNNING,
        progress_done=2,
        lease_token="00000000-0000-0000-0000-000000000001",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert job_run(job_id=job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.progress_done == 4


def test_a_worker_whose_lease_was_taken_cannot_overwrite_the_job(db, sent, monkeypatch):
    job = Job.objects.create(kind="test.counter", payload={"items": 4})

    def steal(job_obj: Job) -> ChunkResult:
        # While this chunk runs, its lease ran out and another worker claimed the job.
        Job.objects.filter(pk=job_obj.pk).update(lease_token="00000000-0000-0000-0000-000000000002")
        return ChunkResult(done=4, total=4, finished=True)

    monkeypatch.setattr(
        "apps.jobs.services.job_kind_get",
        lambda name: JobKind(name=name, label="x", run_chunk=steal),
    )
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.progress_done == 0


def test_a_terminal_error_fails_the_job_with_the_reason(db, sent):
    job = Job.objects.create(kind="test.boom")
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.last_error == "ValueError: the target vanished"
    assert job.finished_at is not None
    assert sent == []


def test_an_unknown_kind_fails_with_a_readable_reason(db, sent):
    job = Job.objects.create(kind="gone.kind")
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert "no code handles it" in job.last_error


def test_a_transient_error_is_retried_with_backoff_then_gives_up(db, sent, settings):
    settings.JOBS_MAX_TRANSIENT_RETRIES = 2
    job = Job.objects.create(kind="test.flaky")

    assert job_run(job_id=job.pk) == "retrying"
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.state == Job.State.RUNNING
    assert job.run_after > timezone.now()
    assert "server closed the connection" in job.last_error
    assert sent == [(job.pk, 2)]

    # Not before run_after, even with a message in hand.
    assert job_run(job_id=job.pk) == "skipped"

    Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    assert job_run(job_id=job.pk) == "retrying"
    assert sent[-1] == (job.pk, 4)
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    assert job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.last_error.startswith("Gave up after 3 attempts.")


def test_a_chunk_stopped_by_the_soft_time_limit_is_retried_not_failed(db, sent):
    job = Job.objects.create(kind="test.slow")
    assert job_run(job_id=job.pk) == "retrying"
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.RUNNING, 1)
    assert job.last_error.startswith("SoftTimeLimitExceeded")


def test_a_chunk_records_its_payload_with_its_progress(db, sent):
    job = Job.objects.create(kind="test.cursor", payload={"keep": "me"})
    outcomes = [job_run(job_id=job.pk) for _ in range(3)]
    job.refresh_from_db()
    assert outcomes == ["continued", "continued", "succeeded"]
    assert job.payload == {"keep": "me", "cursor": 3}
    assert (job.progress_done, job.progress_total) == (3, 3)


def test_retry_resumes_a_failed_job_from_its_progress(db, sent, django_capture_on_commit_callbacks):
    job = Job.objects.create(
        kind="test.counter",
        payload={"items": 4},
        state=Job.State.FAILED,
        progress_done=2,
        attempts=3,
        last_error="boom",
        finished_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = job_retry(job=job, actor=actor_system(label="tests"))
    assert (job.state, job.attempts, job.last_error, job.finished_at) == (
        Job.State.PENDING,
        0,
        "",
        None,
    )
    assert sent == [(job.pk, None)]
    assert job_run(job_id=job.pk) == "succeeded"
    assert [job.pk] == CALLS


@pytest.mark.parametrize("state", [Job.State.PENDING, Job.State.RUNNING, Job.State.SUCCEEDED])
def test_retry_refuses_a_job_that_is_not_failed(db, sent, state):
    job = Job.objects.create(kind="test.counter", payload={"items": 1}, state=state)
    with pytest.raises(Conflict):
        job_retry(job=job, actor=actor_system(label="tests"))
    job.refresh_from_db()
    assert job.state == state
    assert sent == []


def _job(**fields):
    return Job.objects.create(kind="test.counter", payload={"items": 1}, **fields)


def test_sweeper_wakes_exactly_the_jobs_nobody_works_on(db, sent, settings):
    settings.JOBS_STALE_SECONDS = 60
    now = timezone.now()
    old = now - timedelta(minutes=5)
    lost_message = _job(enqueued_at=old)
    never_sent = _job(enqueued_at=None)
    dead_worker = _job(
        state=Job.State.RUNNING,
        enqueued_at=old,
        lease_token="00000000-0000-0000-0000-000000000003",
        lease_expires_at=now - timedelta(seconds=1),
    )
    _job(enqueued_at=now)  # just sent: its message is probably in flight
    _job(
        state=Job.State.RUNNING,
        enqueued_at=old,  # a worker holds it
        lease_token="00000000-0000-0000-0000-000000000004",
        lease_expires_at=now + timedelta(minutes=1),
    )
    _job(enqueued_at=old, run_after=now + timedelta(minutes=1))  # backing off
    _job(state=Job.State.SUCCEEDED, enqueued_at=old)
    _job(state=Job.State.FAILED, enqueued_at=old)

    woken = jobs_sweep(now=now)

    assert sorted(woken) == sorted([lost_message.pk, never_sent.pk, dead_worker.pk])
    assert sorted(job_id for job_id, _ in sent) == sorted(woken)
    assert Heartbeat.objects.get(name="sweeper").last_seen_at == now
    # A second sweep right after sends nothing more.
    assert jobs_sweep(now=now) == []


def test_diagnostic_start_queues_a_bounded_job(db, sent, staff, django_capture_on_commit_callbacks):
    from apps.jobs.kinds import DIAGNOSTIC, DIAGNOSTIC_MAX_STEPS, diagnostic_start

    with django_capture_on_commit_callbacks(execute=True):
        job = diagnostic_start(created_by=staff, steps=10_000)

    assert (job.kind, job.state, job.progress_total) == (DIAGNOSTIC, Job.State.PENDING, 100)
    assert job.payload["steps"] == DIAGNOSTIC_MAX_STEPS
    assert job.created_by == staff
    assert sent == [(job.pk, None)]


def test_job_get_for_staff_raises_not_found(db):
    from apps.core.errors import NotFound
    from apps.jobs.selectors import job_get_for_staff

    job = Job.objects.create(kind="test.counter", payload={"items": 1})
    assert job_get_for_staff(job_id=job.pk) == job
    with pytest.raises(NotFound):
        job_get_for_staff(job_id=job.pk + 1)
