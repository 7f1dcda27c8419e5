"""Reads of job rows, scoped to who asks."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.errors import NotFound
from apps.jobs.models import Heartbeat, Job


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
