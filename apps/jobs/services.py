"""Creating, running, sweeping and retrying job rows.

The guarantees: a job row is committed before any message about it is sent; a job runs
one chunk per message and re-enqueues itself until finished; two workers never run the
same job at once (a compare-and-set claim with a lease); a lost message or a dead worker
delays a job until the next sweep but never loses it; a transient error is retried with
backoff and a terminal one is recorded on the row for a person to see and retry.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.models import Account, User
from apps.core.errors import Conflict, ValidationFailed
from apps.jobs.models import Heartbeat, Job
from apps.jobs.registry import ChunkResult, job_kind_get

logger = logging.getLogger(__name__)


class TransientJobError(Exception):
    """Raise from a chunk to say: try again later, nothing is wrong with the job itself."""


# A chunk stopped by the task's soft time limit did not fail on its own account (the
# database was slow, say): it runs again from its recorded progress, with backoff.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientJobError,
    SoftTimeLimitExceeded,
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


def job_create(
    *,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    target: str = "",
    account: Account | None = None,
    created_by: User | None = None,
    total: int | None = None,
) -> Job:
    """Insert a pending job and send its wake-up after the surrounding transaction commits.

    Call it inside the transaction that makes the job necessary, so the row and the change
    commit together (the outbox pattern). Raises ``ValidationFailed`` for an unknown kind.
    """
    job_kind = job_kind_get(kind)
    if job_kind is None:
        raise ValidationFailed(f"Unknown job kind {kind!r}.", fields={"kind": ["Unknown kind."]})
    job = Job.objects.create(
        kind=kind,
        payload=dict(payload or {}),
        target=target,
        account=account,
        created_by=created_by,
        progress_total=total,
        enqueued_at=timezone.now(),
    )
    transaction.on_commit(lambda: job_enqueue(job_id=job.pk, queue=job_kind.queue))
    return job


def job_enqueue(*, job_id: int, queue: str = "default", countdown: float | None = None) -> bool:
    """Send a wake-up for a job. A broker failure is logged, not raised: the sweeper
    will send it again. Returns whether the message was handed to the broker."""
    from apps.jobs.tasks import job_run_task

    try:
        job_run_task.apply_async(args=[job_id], queue=queue, countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue job %s; the sweeper will retry.", job_id, exc_info=True)
        return False
    return True


def _claim(job_id: int) -> uuid.UUID | None:
    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        Job.objects.filter(pk=job_id, state__in=Job.UNFINISHED)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .update(
            state=Job.State.RUNNING,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=settings.JOBS_LEASE_SECONDS),
            started_at=Coalesce("started_at", now),
            updated_at=now,
        )
    )
    return token if claimed else None


def _release(job_id: int, token: uuid.UUID, **fields: Any) -> bool:
    fields.setdefault("lease_token", None)
    fields.setdefault("lease_expires_at", None)
    fields["updated_at"] = timezone.now()
    return bool(Job.objects.filter(pk=job_id, lease_token=token).update(**fields))


def job_run(*, job_id: int) -> str:
    """Run one chunk of a job, if the job is free to run. Idempotent and safe to call
    concurrently: a caller that does not win the claim does nothing.

    Returns what happened: ``skipped``, ``continued``, ``succeeded``, ``retrying`` or
    ``failed``.
    """
    token = _claim(job_id)
    if token is None:
        return "skipped"
    job = Job.objects.get(pk=job_id)
    kind = job_kind_get(job.kind)
    if kind is None:
        _release(
            job_id,
            token,
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            last_error=f"Unknown job kind {job.kind!r}: no code handles it.",
        )
        return "failed"
    try:
        result: ChunkResult = kind.run_chunk(job)
    except TRANSIENT_ERRORS as exc:
        return _after_transient(job, token, exc, queue=kind.queue)
    except Exception as exc:
        logger.exception("Job %s (%s) failed.", job.pk, job.kind)
        _release(
            job_id,
            token,
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            last_error=f"{type(exc).__name__}: {exc}"[:4000],
        )
        return "failed"
    progress: dict[str, Any] = {
        "progress_done": result.done,
        "progress_total": result.total,
        "message": result.message[:300],
    }
    if result.payload is not None:
        progress["payload"] = result.payload
    if result.finished:
        _release(
            job_id,
            token,
            state=Job.State.SUCCEEDED,
            finished_at=timezone.now(),
            last_error="",
            **progress,
        )
        return "succeeded"
    if _release(job_id, token, state=Job.State.RUNNING, enqueued_at=timezone.now(), **progress):
        job_enqueue(job_id=job_id, queue=kind.queue)
    return "continued"


def _after_transient(job: Job, token: uuid.UUID, exc: BaseException, *, queue: str) -> str:
    attempts = job.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:4000]
    try:
        if attempts > settings.JOBS_MAX_TRANSIENT_RETRIES:
            _release(
                job.pk,
                token,
                state=Job.State.FAILED,
                attempts=attempts,
                finished_at=timezone.now(),
                last_error=f"Gave up after {attempts} attempts. {error}",
            )
            return "failed"
        delay = min(300, 2**attempts)
        _release(
            job.pk,
            token,
            attempts=attempts,
            retries_automatic=F("retries_automatic") + 1,
            last_error=error,
            run_after=timezone.now() + timedelta(seconds=delay),
            enqueued_at=timezone.now(),
        )
    except DatabaseError:
        # The database itself is away: the lease runs out and the sweeper tries again.
        logger.warning("Job %s: could not record a transient failure.", job.pk, exc_info=True)
        return "retrying"
    job_enqueue(job_id=job.pk, queue=queue, countdown=delay)
    return "retrying"


def jobs_sweep(*, now: Any = None) -> list[int]:
    """Wake up every unfinished job that nobody is working on and whose last wake-up is
    older than ``JOBS_STALE_SECONDS``: its message was lost or its worker died.

    Also records the sweeper's heartbeat. Returns the ids it re-enqueued. Idempotent.
    """
    now = now or timezone.now()
    Heartbeat.objects.update_or_create(name="sweeper", defaults={"last_seen_at": now})
    stale = now - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    candidates = list(
        Job.objects.filter(state__in=Job.UNFINISHED)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .values_list("pk", "kind", "enqueued_at")[:500]
    )
    woken = []
    for pk, kind_name, enqueued_at in candidates:
        # Compare-and-set on enqueued_at, so two sweepers do not both send a wake-up.
        if not Job.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
            continue
        kind = job_kind_get(kind_name)
        job_enqueue(job_id=pk, queue=kind.queue if kind else "default")
        woken.append(pk)
    if woken:
        logger.info("Sweeper re-enqueued %d job(s): %s", len(woken), woken)
    return woken


@transaction.atomic
def job_retry(*, job: Job, actor: Actor) -> Job:
    """Send a failed job back to pending; it resumes from its recorded progress. Counts
    one more retry by hand (``retries_manual``) and gives the job a fresh budget of
    automatic retries (``attempts`` back to 0). Who may retry it was decided when it was
    read (``job_get_for(to_retry=True)``, or the staff's System status pages); ``actor``
    is named in the log.

    Raises ``Conflict`` if the job is not failed (any more).
    """
    updated = Job.objects.filter(pk=job.pk, state=Job.State.FAILED).update(
        state=Job.State.PENDING,
        attempts=0,
        retries_manual=F("retries_manual") + 1,
        last_error="",
        finished_at=None,
        run_after=None,
        lease_token=None,
        lease_expires_at=None,
        enqueued_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise Conflict("Only a failed job can be retried; this one is not failed.")
    logger.info("Job %s sent back to the queue by %s.", job.pk, actor.label)
    kind = job_kind_get(job.kind)
    transaction.on_commit(
        lambda: job_enqueue(job_id=job.pk, queue=kind.queue if kind else "default")
    )
    job.refresh_from_db()
    return job
