"""The lifecycle job kinds: uninstall one installation, delete an app across accounts,
roll a published version out. Each chunk works for at most ``LIFECYCLE_CHUNK_SECONDS``
and records where it got to; see ``README.md``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from apps.catalog.models import App, AppStatus, AppVersion
from apps.installations.models import Installation, InstallationStatus
from apps.installations.services import APP_DELETION_ACTOR, installation_mark_uninstalling
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register
from apps.lifecycle.services.batches import Deadline, relaxed_commits
from apps.lifecycle.services.cascade import UNINSTALL_STEPS, app_remove, installation_purge
from apps.lifecycle.services.rollout import rollout_total, version_rollout_run
from apps.lifecycle.services.whole import (
    installation_delete_small,
    installations_delete_whole,
    installations_small,
)
from apps.webhooks.services.app_events import app_uninstalled_send

# When the app itself is being deleted, an installation goes whatever its status: the
# app's client is suspended, so none of its tokens works anyway.
DELETABLE = (InstallationStatus.ACTIVE, InstallationStatus.UNINSTALLING)


def _deadline() -> Deadline:
    return Deadline(settings.LIFECYCLE_CHUNK_SECONDS)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _tell_app(job: Job, installation_id: int) -> ChunkResult | None:
    """Before any step: the first attempt of each ``app.uninstalled`` delivery, made
    here (the cascade then removes it with the subscriptions). A chunk that sent one, or
    still waits for a worker holding one, ends there, so the cascade starts with a whole
    chunk's budget; ``None`` when nothing is left to tell."""
    done, sent = app_uninstalled_send(
        installation_id=installation_id, wait_seconds=settings.LIFECYCLE_CHUNK_SECONDS
    )
    if done and not sent:
        return None
    message = (
        "Told the app it is uninstalled (app.uninstalled); removing its data…"
        if done
        else "Telling the app it is uninstalled (app.uninstalled)…"
    )
    return ChunkResult(
        done=0, total=len(UNINSTALL_STEPS), finished=False, message=message, payload=job.payload
    )


def _uninstall_chunk(job: Job) -> ChunkResult:
    """The steps of ``UNINSTALL_STEPS`` from the one recorded as next, once the app was
    told (``_tell_app``). The rows each step deleted are added up in the payload's
    ``counts`` (step name to rows), recorded with the progress after every chunk."""
    total = len(UNINSTALL_STEPS)
    installation_id = int(job.payload["installation_id"])
    start = min(job.progress_done, total)
    if start == 0 and (told := _tell_app(job, installation_id)) is not None:
        return told
    counts = {name: int(rows) for name, rows in job.payload.get("counts", {}).items()}
    with relaxed_commits():
        whole = None
        if start == 0:
            whole = installation_delete_small(
                installation_id=installation_id, statuses=(InstallationStatus.UNINSTALLING,)
            )
        if whole is not None:
            counts, done = whole, total
        else:
            done = installation_purge(
                installation_id=installation_id, start=start, deadline=_deadline(), deleted=counts
            )
    payload = {**job.payload, "counts": counts}
    if done >= total:
        return ChunkResult(
            done=total,
            total=total,
            finished=True,
            message="Uninstalled: the app's tokens, settings, files, webhooks and access "
            "rules are removed from this account.",
            payload=payload,
        )
    return ChunkResult(
        done=done,
        total=total,
        finished=False,
        message=f"Removing {UNINSTALL_STEPS[done].label}…",
        payload=payload,
    )


def _mark_uninstalling(installation_id: int) -> None:
    """Move an installation of the app being deleted to ``uninstalling`` through the
    installations service (its history records it), refusing its tokens from then on;
    one already uninstalling stays as it is."""
    installation = Installation.objects.filter(
        pk=installation_id, status=InstallationStatus.ACTIVE
    ).first()
    if installation is not None:
        installation_mark_uninstalling(
            installation=installation, actor=APP_DELETION_ACTOR, detail={"reason": "app_deleted"}
        )


# Small installations deleted together in one statement and transaction (on PostgreSQL):
# each whole or not at all, as one at a time, for a fraction of the fixed cost.
WHOLE_TOGETHER = 25


def _runs(installations: QuerySet[Installation], in_hand: int) -> Iterator[tuple[list[int], bool]]:
    """The installations' ids in id order, a hundred read at a time: runs of up to
    ``WHOLE_TOGETHER`` small ones (``installations_small``), and every other one alone
    (as is the one in hand, whose steps have begun). The next hundred are read once the
    previous ones are gone, so the caller stops before an installation it left."""
    while batch := list(installations.order_by("pk").values_list("pk", flat=True)[:100]):
        small = installations_small(installation_ids=batch) - {in_hand}
        run: list[int] = []
        for pk in batch:
            if pk in small:
                run.append(pk)
                if len(run) == WHOLE_TOGETHER:
                    yield run, True
                    run = []
                continue
            if run:
                yield run, True
                run = []
            yield [pk], False
        if run:
            yield run, True


def _steps_run(current: int, payload: dict[str, Any], deadline: Deadline) -> bool:
    """The uninstall steps of ``current`` from the one recorded in ``payload`` (the first
    for an installation not in hand); returns whether it is gone."""
    if int(payload.get("installation_id", 0)) != current:
        payload["installation_id"], payload["step"], payload["counts"] = current, 0, {}
    step = int(payload.get("step", 0))
    _mark_uninstalling(current)
    counts = {name: int(rows) for name, rows in payload.get("counts", {}).items()}
    step = installation_purge(
        installation_id=current, start=step, deadline=deadline, deleted=counts
    )
    payload["step"], payload["counts"] = step, counts
    return step >= len(UNINSTALL_STEPS)


def _accounts_run(
    installations: QuerySet[Installation], payload: dict[str, Any], deadline: Deadline
) -> bool:
    """Remove the app's installations in id order, each whole before the next starts (a
    run of small ones together, in one transaction), until none is left or the deadline
    passes (after at least one). Keeps in ``payload`` the one in hand, its next step and
    the rows each step deleted there (for a run, its last installation's). Returns
    whether it worked on any."""
    worked = False
    in_hand = int(payload.get("installation_id", 0)) if int(payload.get("step", 0)) else 0
    for ids, small in _runs(installations, in_hand):
        if worked and deadline.passed():
            break
        worked = True
        left = ids
        progressed = False
        if small:
            gone = installations_delete_whole(installation_ids=ids, statuses=DELETABLE)
            if gone:
                last = max(gone)
                payload["installation_id"], payload["step"] = last, len(UNINSTALL_STEPS)
                payload["counts"] = gone[last]
                progressed = True
            left = [pk for pk in ids if pk not in gone]
        for current in left:
            # Another account of the run only while time is left, one at least.
            if progressed and deadline.passed():
                return worked
            if not _steps_run(current, payload, deadline):
                return worked
            progressed = True
    return worked


def _app_delete_chunk(job: Job) -> ChunkResult:
    """One account at a time: the next installation of the app (in id order) goes through
    the whole uninstall cascade before the one after it starts. A small one (found a
    hundred at a time by ``installations_small``) goes in one short transaction, with
    the small ones next to it (``installations_delete_whole``), any other step by step
    in batches. Then the app
    plan (``app_remove``).

    The first chunk only counts the accounts, so the total is on the job row before
    anything is deleted (a failed first chunk records nothing, and a recount after it
    would miss the accounts already done). Every later chunk does at least one step of
    an account, or of the app's removal, however small its time budget.

    The payload records the account being worked on (``installation_id``, the next
    ``step`` of ``UNINSTALL_STEPS``, the rows each step deleted there in ``counts``) and
    the rows each step of the app's own removal deleted (``app_counts``, steps of
    ``APP_REMOVE_STEPS``).
    """
    app_id = int(job.payload["app_id"])
    installations = Installation.objects.filter(app_id=app_id)
    total = job.progress_total
    if total is None:
        total = installations.count()
        message = f"Removed from 0 of {_plural(total, 'account')}."
        return ChunkResult(done=0, total=total, finished=False, message=message)
    deadline = _deadline()
    payload = dict(job.payload)
    with relaxed_commits():
        worked = _accounts_run(installations, payload, deadline)
    remaining = installations.count()
    done = max(0, total - remaining)
    if remaining:
        message = f"Removed from {done} of {_plural(total, 'account')}."
        return ChunkResult(done, total, finished=False, message=message, payload=payload)
    app_counts = {name: int(rows) for name, rows in payload.get("app_counts", {}).items()}
    removed = not (worked and deadline.passed()) and app_remove(
        app_id=app_id, deadline=deadline, deleted=app_counts
    )
    payload["app_counts"] = app_counts
    if removed:
        message = (
            f"Deleted: removed from {_plural(total, 'account')}, then the app's "
            "tokens, OAuth client, versions, install links and listing files."
        )
        return ChunkResult(total, total, finished=True, message=message, payload=payload)
    message = (
        f"Removed from all {_plural(total, 'account')}; deleting the app's tokens, "
        "client, versions and files…"
    )
    return ChunkResult(total, total, finished=False, message=message, payload=payload)


def _rollout_chunk(job: Job) -> ChunkResult:
    version = AppVersion.objects.select_related("app").filter(pk=job.payload["version_id"]).first()
    if version is None or App.objects.filter(pk=version.app_id, status=AppStatus.DELETING).exists():
        return ChunkResult(
            done=job.progress_done,
            total=job.progress_total,
            finished=True,
            message="Stopped: the version or its app is being deleted.",
        )
    total = job.progress_total
    if total is None:
        total = rollout_total(version=version)
    progress = version_rollout_run(
        version=version,
        cursor=int(job.payload.get("cursor", 0)),
        counts=dict(job.payload.get("counts", {})),
        deadline=_deadline(),
    )
    counts = progress.counts
    done = sum(counts.values())
    summary = (
        f"{counts['updated']} updated, {counts['needs_approval']} need an admin's approval, "
        f"{counts['pinned']} pinned to their version, "
        f"{counts['skipped']} already on a newer version or uninstalled."
    )
    return ChunkResult(
        done=done if not progress.finished else max(done, total),
        total=max(total, done),
        finished=progress.finished,
        message=f"{done} of {_plural(max(total, done), 'installation')}: {summary}",
        payload={**job.payload, "cursor": progress.cursor, "counts": counts},
    )


job_kind_register(
    JobKind(name=INSTALLATION_UNINSTALL, label="Uninstall", run_chunk=_uninstall_chunk)
)
job_kind_register(JobKind(name=APP_DELETE, label="App deletion", run_chunk=_app_delete_chunk))
job_kind_register(JobKind(name=VERSION_ROLLOUT, label="Version rollout", run_chunk=_rollout_chunk))
