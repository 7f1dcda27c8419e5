"""Reads of job rows, scoped to who asks.

Who sees which job of an account (``job_list_for``):

- its admins: every job of the account;
- members with the developer right: the account's app deletions and version rollouts,
  which their own work (deleting an app, publishing a version) starts;
- whoever started a job: that job;
- anyone else: nothing (a job they ask for is ``NotFound``).

An account API key acts as the account and sees every job (``job_list_for_account``).
Platform staff see every job on the System status pages (``job_list_for_staff``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.models import Account, Membership
from apps.core.errors import NotFound, PermissionDenied
from apps.jobs.kinds import APP_DELETE
from apps.jobs.models import Heartbeat, Job
from apps.jobs.policies import (
    DEVELOPER_KINDS,
    job_can_retry,
    job_retry_refusal,
)


def job_list_for_account(*, account: Account) -> QuerySet[Job]:
    return Job.objects.filter(account=account).select_related("created_by")


def job_get_for_account(*, account: Account, job_id: int) -> Job:
    job = job_list_for_account(account=account).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job in this account.")
    return job


def job_latest_for(*, account_id: int, kind: str, key: str, value: int) -> Job | None:
    """The newest job of ``kind`` in the account whose payload has ``key`` = ``value``
    (e.g. the deletion job of app 7: ``kind=APP_DELETE, key="app_id", value=7``)."""
    return (
        Job.objects.filter(account_id=account_id, kind=kind, **{f"payload__{key}": value})
        .order_by("-created_at", "-id")
        .first()
    )


def _visible_to_member(membership: Membership) -> QuerySet[Job]:
    """The jobs of ``membership``'s account its holder may see (the rules in the module
    docstring), newest first, with their creator joined."""
    jobs = Job.objects.filter(account_id=membership.account_id)
    if not membership.is_admin:
        rule = Q(created_by_id=membership.user_id)
        if membership.is_developer:
            rule |= Q(kind__in=DEVELOPER_KINDS)
        jobs = jobs.filter(rule)
    return jobs.select_related("created_by").order_by("-created_at", "-id")


def job_list_for(*, actor: Actor) -> QuerySet[Job]:
    """The jobs ``actor`` may see in the account it acts in: an API key acts as the
    account and sees every job; a member sees what the rules in the module docstring allow."""
    if actor.membership is None:
        if actor.account is None or not actor.via_api_key:
            return Job.objects.none()
        return job_list_for_account(account=actor.account)
    return _visible_to_member(actor.membership)


def job_get_for(*, actor: Actor, job_id: int, to_retry: bool = False) -> Job:
    """One job ``actor`` may see (``to_retry``: may also retry, ``job_can_retry``);
    ``NotFound`` for a job it may not see, ``PermissionDenied`` for one it sees without
    the right to retry it. An API key may retry any job of its account."""
    job = job_list_for(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job in this account.")
    if to_retry and not job_can_retry(actor, job=job):
        raise PermissionDenied(job_retry_refusal(job))
    return job


def job_latest_by_payload(
    *, account_id: int, kind: str, key: str, values: Iterable[int]
) -> dict[int, Job]:
    """The newest job of ``kind`` in the account for each payload ``key`` in ``values``
    (e.g. the deletion job of each app of a page), in one query."""
    wanted = sorted(set(values))
    if not wanted:
        return {}
    jobs = Job.objects.filter(
        account_id=account_id, kind=kind, **{f"payload__{key}__in": wanted}
    ).order_by("-created_at", "-id")
    latest: dict[int, Job] = {}
    for job in jobs:
        latest.setdefault(int(job.payload[key]), job)
    return latest


def job_list_app_deletions(*, account: Account) -> QuerySet[Job]:
    """The account's app deletions that have not finished well (running, waiting or
    failed), newest first: what the developer's app list shows above the apps."""
    return (
        Job.objects.filter(account=account, kind=APP_DELETE)
        .exclude(state=Job.State.SUCCEEDED)
        .order_by("-created_at", "-id")
    )


def job_list_for_staff() -> QuerySet[Job]:
    return Job.objects.select_related("account", "created_by")


def job_get_for_staff(*, job_id: int) -> Job:
    job = job_list_for_staff().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.")
    return job


def sweeper_status() -> dict[str, object]:
    """When the sweeper last ran and whether that is recent enough to call beat and a
    worker alive (three sweep intervals)."""
    beat = Heartbeat.objects.filter(name="sweeper").first()
    interval = timedelta(seconds=settings.JOBS_SWEEP_SECONDS)
    if beat is None:
        return {"last_seen_at": None, "alive": False, "interval": interval}
    age = timezone.now() - beat.last_seen_at
    return {
        "last_seen_at": beat.last_seen_at,
        "alive": age <= 3 * interval + timedelta(seconds=5),
        "interval": interval,
    }


@dataclass(frozen=True)
class HeartbeatStatus:
    """When a periodic task last ran, what it recorded, and whether it is late: not
    seen for three of its intervals (or never)."""

    name: str
    interval: timedelta
    last_seen_at: datetime | None
    detail: dict[str, Any]

    @property
    def late(self) -> bool:
        if self.last_seen_at is None:
            return True
        return timezone.now() - self.last_seen_at > 3 * self.interval


def heartbeat_status(*, name: str, interval: timedelta) -> HeartbeatStatus:
    """The ``name`` heartbeat of a task that runs every ``interval``."""
    beat = Heartbeat.objects.filter(name=name).first()
    if beat is None:
        return HeartbeatStatus(name=name, interval=interval, last_seen_at=None, detail={})
    detail = beat.detail if isinstance(beat.detail, dict) else {}
    return HeartbeatStatus(
        name=name, interval=interval, last_seen_at=beat.last_seen_at, detail=detail
    )
