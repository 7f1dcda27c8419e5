"""Thin Celery entry points of the modules context."""

from celery import shared_task

from apps.modules.events import events_trim
from apps.modules.idempotency import idempotency_trim


@shared_task(name="modules.events_trim", ignore_result=True)
def events_trim_task() -> int:
    """Periodic (beat): delete change events past their retention
    (``MODULE_EVENT_RETENTION_DAYS``). Idempotent. Returns how many rows it deleted."""
    return events_trim()


@shared_task(name="modules.idempotency_trim", ignore_result=True)
def idempotency_trim_task() -> int:
    """Periodic (beat): forget create answers kept for ``Idempotency-Key`` past
    ``MODULE_IDEMPOTENCY_HOURS``. Idempotent. Returns how many it forgot."""
    return idempotency_trim()
