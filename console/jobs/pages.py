"""What a job's page shows, shared by the account's job pages and the staff ones.

Both render ``console/jobs/includes/job_progress.html`` with the context built here: the
job, the URL the block polls while the job is unfinished, the retry URL when the viewer
may retry, where to go once the job has succeeded, and why an unfinished job is not
moving (backing off after a temporary error, or stalled until the sweeper hands it to a
worker again). Account people read a failure in plain words with the technical error
folded away; platform staff see the error itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.jobs.registry import job_kind_label
from apps.lifecycle.services.cascade import UNINSTALL_STEPS

Audience = Literal["account", "staff"]


@dataclass(frozen=True)
class NextLink:
    label: str
    url: str


@dataclass(frozen=True)
class Backoff:
    """The job failed for a moment and waits for ``retry_at`` to run again."""

    retry_at: datetime


@dataclass(frozen=True)
class Stalled:
    """Nothing has moved the job since ``since``; the sweeper hands it to a worker again
    by about ``pickup_by``."""

    since: datetime
    pickup_by: datetime


def job_delay(
    job: Job, *, now: datetime, stale_after: timedelta, sweep_every: timedelta
) -> Backoff | Stalled | None:
    """Why an unfinished ``job`` is not moving, from its row alone (no query).

    Backing off (``run_after`` still ahead) is said as such. Otherwise the job is stalled
    when its lease ran out (its worker died) or its last update is older than
    ``stale_after`` (its wake-up was lost): the sweeper, which runs every ``sweep_every``,
    wakes it once the lease is free and its last wake-up is ``stale_after`` old, so
    ``pickup_by`` is the first sweep after both. ``None`` for a finished job or one that
    is moving.
    """
    if job.is_finished:
        return None
    if job.run_after is not None and job.run_after > now:
        return Backoff(retry_at=job.run_after)
    lease_ran_out = job.lease_expires_at is not None and job.lease_expires_at <= now
    quiet = job.updated_at is not None and job.updated_at <= now - stale_after
    if not (lease_ran_out or quiet):
        return None
    ready = now
    if job.lease_expires_at is not None:
        ready = max(ready, job.lease_expires_at)
    if job.enqueued_at is not None:
        ready = max(ready, job.enqueued_at + stale_after)
    return Stalled(since=job.updated_at or now, pickup_by=ready + sweep_every)


def _of(count: int, total: int | None, word: str) -> str:
    plural = word if total == 1 else f"{word}s"
    return f"{count} of {total} {plural}"


def job_failure_summary(job: Job) -> str:
    """What a failed job left undone, in one sentence a person can act on."""
    done, total = job.progress_done, job.progress_total
    if job.kind == INSTALLATION_UNINSTALL:
        steps = len(UNINSTALL_STEPS)
        if done >= steps:
            return "The uninstall stopped at its very end; the app's tokens stay refused."
        return (
            f"The uninstall stopped at step {done + 1} of {steps} ({UNINSTALL_STEPS[done].label}); "
            "the steps before it are done and the app's tokens stay refused."
        )
    if job.kind == APP_DELETE:
        if total is None:
            return (
                "The deletion stopped before it counted the accounts; the app stays hidden "
                "and its tokens stay refused."
            )
        if done >= total:
            return (
                f"The deletion removed the app from {_of(done, total, 'account')} but "
                "stopped while deleting the app itself; its tokens stay refused."
            )
        return (
            f"The deletion stopped after removing the app from {_of(done, total, 'account')}; "
            "the app stays hidden and its tokens stay refused."
        )
    if job.kind == VERSION_ROLLOUT:
        if total is None:
            return "The rollout stopped before it counted the installations; none was updated."
        return (
            f"The rollout stopped after {_of(done, total, 'installation')}; the others stay "
            "on their version for now."
        )
    label = job_kind_label(job.kind)
    if total is None:
        return f"{label} stopped after an error."
    return f"{label} stopped after an error, at {done} of {total}."


def job_next_link(*, job: Job, membership: Membership) -> NextLink | None:
    """Where a person goes once ``job`` has succeeded: back to the page its work started
    from, when ``membership`` may open that page."""
    if job.state != Job.State.SUCCEEDED:
        return None
    if job.kind in (APP_DELETE, VERSION_ROLLOUT) and membership.is_developer:
        return NextLink("Back to your apps", reverse("console:developer:app-list"))
    if job.kind == INSTALLATION_UNINSTALL and membership.is_admin:
        return NextLink(
            "Back to Installed apps", reverse("console:installations:installation-list")
        )
    return None


def job_block_context(
    *,
    job: Job,
    progress_url: str,
    retry_url: str | None,
    next_link: NextLink | None = None,
    retry_hint: str = "",
    audience: Audience = "staff",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The context of the progress block. ``retry_url`` is ``None`` when the viewer may
    not retry; ``retry_hint`` then says who can. ``audience`` ``"account"`` folds the
    technical error away and points to platform support; staff pages see it openly."""
    return {
        "job": job,
        "progress_url": progress_url,
        "retry_url": retry_url,
        "next_link": next_link,
        "retry_hint": retry_hint,
        "for_account": audience == "account",
        "failure": job_failure_summary(job) if job.state == Job.State.FAILED else "",
        "delay": job_delay(
            job,
            now=now or timezone.now(),
            stale_after=timedelta(seconds=settings.JOBS_STALE_SECONDS),
            sweep_every=timedelta(seconds=settings.JOBS_SWEEP_SECONDS),
        ),
    }
