"""The webhooks job kind: replaying every failed delivery of an app since a time
(optionally of one account and one event), a batch per chunk, with progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from apps.accounts.actors import Actor, actor_system
from apps.accounts.models import Account
from apps.catalog.models import App
from apps.core.errors import Conflict
from apps.jobs.kinds import WEBHOOKS_REPLAY
from apps.jobs.models import Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register
from apps.jobs.services import job_create
from apps.webhooks.models import Delivery
from apps.webhooks.services.deliveries import delivery_replay

BATCH = 200


def _failed(payload: dict[str, Any]) -> Any:
    rows = Delivery.objects.filter(
        installation__app_id=payload["app_id"],
        status=Delivery.Status.FAILED,
        created_at__gte=parse_datetime(payload["since"]),
        pk__lte=payload["last_id"],
    )
    if payload.get("account_id"):
        rows = rows.filter(installation__account_id=payload["account_id"])
    if payload.get("event"):
        rows = rows.filter(event_type=payload["event"])
    if payload.get("subscription_id"):
        rows = rows.filter(subscription_id=payload["subscription_id"])
    if payload.get("finished_since"):
        rows = rows.filter(finished_at__gte=parse_datetime(payload["finished_since"]))
    return rows


def _replay_chunk(job: Job) -> ChunkResult:
    payload = dict(job.payload)
    total = payload.get("total")
    if total is None:
        total = _failed(payload).count()
    batch = list(_failed(payload).filter(pk__gt=payload.get("cursor", 0)).order_by("pk")[:BATCH])
    by = actor_system(label="Replay of failed deliveries")
    done = int(payload.get("done", 0))
    for delivery in batch:
        payload["cursor"] = delivery.pk
        try:
            delivery_replay(delivery=delivery, actor=by)
        except Conflict:
            continue  # replayed by hand meanwhile: it is on its way already
        done += 1
    payload.update(total=total, done=done)
    finished = len(batch) < BATCH
    return ChunkResult(
        done=done,
        total=total,
        finished=finished,
        message=f"{done} of {total} failed deliveries sent again.",
        payload=payload,
    )


job_kind_register(
    JobKind(name=WEBHOOKS_REPLAY, label="Replay of failed deliveries", run_chunk=_replay_chunk)
)


@transaction.atomic
def deliveries_replay_failed_start(
    *,
    app: App,
    actor: Actor,
    since: datetime,
    account_id: int | None = None,
    event: str | None = None,
    subscription_id: int | None = None,
    finished_since: datetime | None = None,
    job_account: Account | None = None,
) -> Job:
    """Queue a job that sends again every delivery of ``app`` that failed, created since
    ``since`` (of one account and one event type when given), with the same ids. Only
    deliveries failed when it is queued are replayed (up to the newest id then). Who may
    start it was decided when ``app`` was read for ``actor`` (its developers, or an
    account's admin enabling a subscription). ``subscription_id`` narrows it to one
    subscription, ``finished_since`` to the deliveries that failed since then;
    ``job_account`` is the account whose people follow the job (the app's by default)."""
    last = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return job_create(
        kind=WEBHOOKS_REPLAY,
        payload={
            "app_id": app.pk,
            "since": since.isoformat(),
            "account_id": account_id,
            "event": event or "",
            "last_id": last,
            "subscription_id": subscription_id,
            "finished_since": finished_since.isoformat() if finished_since else "",
            "cursor": 0,
        },
        target=app.name,
        account=job_account or app.account,
        created_by=actor.user,
    )
