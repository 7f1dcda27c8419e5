"""Thin Celery entry points of the connections context."""

from celery import shared_task
from django.utils import timezone

from apps.connections.authorization import REFRESH_MARGIN, connection_refresh
from apps.connections.models import OAuthConnection


@shared_task(name="connections.refresh", ignore_result=True)
def connection_refresh_task(installation_id: int) -> None:
    """Refresh one installation's tokens if they are (still) due; safe to run twice."""
    connection_refresh(installation_id=installation_id)


@shared_task(name="connections.refresh_due", ignore_result=True)
def connections_refresh_due_task() -> int:
    """Periodic (beat): a refresh task for every connection whose access token expires
    within ``REFRESH_MARGIN``. Returns how many it queued."""
    due = OAuthConnection.objects.filter(
        status=OAuthConnection.Status.CONNECTED,
        expires_at__lte=timezone.now() + REFRESH_MARGIN,
    ).exclude(refresh_token="")
    ids = list(due.values_list("installation_id", flat=True)[:1000])
    for installation_id in ids:
        connection_refresh_task.delay(installation_id)
    return len(ids)
