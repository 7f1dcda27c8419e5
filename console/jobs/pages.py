"""What a job's page shows, shared by the account's job pages and the staff ones.

Both render ``console/jobs/includes/job_progress.html`` with the context built here: the
job, the URL the block polls while the job is unfinished, the retry URL when the viewer
may retry, where to go once the job has succeeded, and why an unfinished job is not
moving (backing off after a temporary error, or stalled until the sweeper hands it to a
worker again). Account people read a failure in plain words with the technical error
folded away; platform staff see the error itself. Lifecycle jobs list their steps, each
done, running, waiting or stopped, with the rows it removed (``job_step_groups``); every
job says how many times it was tried (``job_tries_text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.policies import account_can_administer, account_can_develop
from apps.catalog.selectors import app_list_for_developer
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT, WEBHOOKS_REPLAY
from apps.jobs.models import Job
from apps.jobs.registry import job_kind_label
from apps.lifecycle.services.cascade import APP_REMOVE_STEPS, UNINSTALL_STEPS

Audience = Literal["account", "staff"]
StepStatus = Literal["done", "running", "waiting", "stopped"]


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


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def job_tries_text(job: Job) -> str:
    """How many times ``job`` was tried, in words: its first run, each automatic retry
    after a temporary error and each retry by hand (``Job.tries``), with the retries
    told apart."""
    tries = job.tries
    if tries == 0:
        return "None yet: no worker has taken it."
    retries = []
    if job.retries_automatic:
        retries.append(
            _plural(job.retries_automatic, "automatic retry", "automatic retries")
            + " after a temporary error"
        )
    if job.retries_manual:
        retries.append(_plural(job.retries_manual, "retry by hand", "retries by hand"))
    return f"{tries} ({', '.join(retries) if retries else 'no retries'})"


@dataclass(frozen=True)
class StepRow:
    """One step of a job: its label, where it is (``None`` for a tally without steps)
    and what it removed or counted so far (``None`` before it started)."""

    name: str
    label: str
    status: StepStatus | None
    count: int | None


@dataclass(frozen=True)
class StepGroup:
    title: str
    steps: list[StepRow]
    unit: str = "row"


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(name): int(rows) for name, rows in value.items() if isinstance(rows, int)}


def _current(job: Job) -> StepStatus:
    """The status of the step a job is at: what the job as a whole is doing."""
    if job.state == Job.State.RUNNING:
        return "running"
    if job.state == Job.State.FAILED:
        return "stopped"
    return "waiting"


def _rows(
    steps: list[tuple[str, str]], *, at: int, current: StepStatus, counts: dict[str, int]
) -> list[StepRow]:
    """``steps`` (name, label) with the ones before index ``at`` done, the one at ``at``
    in ``current`` status and the later ones waiting."""
    rows = []
    for index, (name, label) in enumerate(steps):
        status: StepStatus = "done" if index < at else current if index == at else "waiting"
        count = counts.get(name, 0 if status == "done" else None)
        rows.append(StepRow(name, label, status, count))
    return rows


_UNINSTALL = [(step.name, step.label) for step in UNINSTALL_STEPS]
_ROLLOUT_OUTCOMES = (
    ("updated", "updated to the new version"),
    ("needs_approval", "need an admin's approval (the version asks for more access)"),
    ("pinned", "pinned to their version"),
    ("skipped", "already on a newer version, or uninstalled"),
)


def job_step_groups(job: Job) -> list[StepGroup]:
    """The steps a lifecycle job shows, from what its chunks recorded (no query).

    An uninstall: the steps of ``UNINSTALL_STEPS`` with the rows each removed. An app
    deletion: the steps of the account it is working on (or the last one it removed)
    and then those of the app's own removal (``APP_REMOVE_STEPS``). A rollout: its
    installations by outcome. Any other kind: none.
    """
    payload = job.payload if isinstance(job.payload, dict) else {}
    succeeded = job.state == Job.State.SUCCEEDED
    if job.kind == INSTALLATION_UNINSTALL:
        at = len(_UNINSTALL) if succeeded else min(job.progress_done, len(_UNINSTALL))
        rows = _rows(
            _UNINSTALL, at=at, current=_current(job), counts=_counts(payload.get("counts"))
        )
        return [StepGroup("Steps", rows)]
    if job.kind == APP_DELETE:
        total = job.progress_total
        if total is None:
            return []
        groups = []
        if "installation_id" in payload:
            step = int(payload.get("step", 0))
            account_done = succeeded or step >= len(_UNINSTALL)
            if account_done:
                title = "The last account it was removed from"
            else:
                title = f"Account {min(job.progress_done + 1, total)} of {total}"
            rows = _rows(
                _UNINSTALL,
                at=len(_UNINSTALL) if account_done else step,
                current=_current(job),
                counts=_counts(payload.get("counts")),
            )
            groups.append(StepGroup(title, rows))
        if succeeded:
            at = len(APP_REMOVE_STEPS)
        elif job.progress_done >= total:
            at = 0  # the tokens go first, the rest with the app in one transaction
        else:
            at = -1  # not started: every step waits
        rows = _rows(
            list(APP_REMOVE_STEPS),
            at=max(at, 0),
            current=_current(job) if at == 0 else "waiting",
            counts=_counts(payload.get("app_counts")),
        )
        if at < 0:
            rows = [StepRow(row.name, row.label, "waiting", None) for row in rows]
        return [*groups, StepGroup("Then the app itself", rows)]
    if job.kind == VERSION_ROLLOUT:
        counts = _counts(payload.get("counts"))
        if not counts:
            return []
        rows = [
            StepRow(name, label, None, counts.get(name, 0)) for name, label in _ROLLOUT_OUTCOMES
        ]
        return [StepGroup("Installations so far", rows, unit="installation")]
    return []


def job_under_way(job: Job) -> str:
    """What an unfinished lifecycle job is doing to its target, in words; shown in the
    live block, so it goes away as soon as the job has ended."""
    if job.is_finished:
        return ""
    if job.kind == INSTALLATION_UNINSTALL:
        return (
            f"{job.target or 'The app'} is being uninstalled: its tokens are already refused "
            "and it is no longer embedded; its settings, files, webhooks and access rules "
            "are removed next."
        )
    if job.kind == APP_DELETE:
        return (
            f"“{job.target or 'The app'}” is being deleted: it is hidden, cannot be installed "
            "and its tokens are refused. It is removed from every account that installed "
            "it, one at a time, then deleted itself."
        )
    return ""


def job_next_link(*, job: Job, actor: Actor) -> NextLink | None:
    """Where a person goes once ``job`` has succeeded: back to the page its work started
    from, when ``actor`` may open that page."""
    if job.state != Job.State.SUCCEEDED:
        return None
    if job.kind in (APP_DELETE, VERSION_ROLLOUT) and account_can_develop(actor, api_keys=False):
        return NextLink("Back to your apps", reverse("console:developer:app-list"))
    developer = account_can_develop(actor, api_keys=False)
    if job.kind == WEBHOOKS_REPLAY and job.account_id is not None and developer:
        apps = app_list_for_developer(account=job.account).filter(pk=job.payload.get("app_id"))
        code = apps.values_list("code", flat=True)
        if code:
            return NextLink(
                "Back to the app's webhooks",
                reverse("console:developer:app-webhooks", kwargs={"code": code[0]}),
            )
    if job.kind == INSTALLATION_UNINSTALL and account_can_administer(actor, api_keys=False):
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
        "under_way": job_under_way(job),
        "step_groups": job_step_groups(job),
        "tries": job_tries_text(job),
        "delay": job_delay(
            job,
            now=now or timezone.now(),
            stale_after=timedelta(seconds=settings.JOBS_STALE_SECONDS),
            sweep_every=timedelta(seconds=settings.JOBS_SWEEP_SECONDS),
        ),
    }
