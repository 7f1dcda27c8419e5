"""Thin Celery entry points of the webhooks context: load by id, call a service."""

from celery import shared_task

from apps.webhooks.services import deliveries_sweep, delivery_send, events_fan_out
from apps.webhooks.services.deliveries import deliveries_purge
from apps.webhooks.services.health import subscriptions_health_evaluate
from apps.webhooks.services.secrets import signing_secrets_expired_purge


@shared_task(name="webhooks.fan_out", ignore_result=True)
def events_fan_out_task() -> int:
    """Turn waiting change events into deliveries. Idempotent; returns how many events."""
    return events_fan_out()


# Far below the lease (WEBHOOK_LEASE_SECONDS, 60): a send that runs that long is stopped
# before another worker may take the delivery.
@shared_task(name="webhooks.delivery_send", ignore_result=True, soft_time_limit=30, time_limit=40)
def delivery_send_task(delivery_id: int) -> str:
    """One attempt at delivery ``delivery_id`` if it is due and free. Idempotent."""
    return delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep", ignore_result=True)
def webhooks_sweep_task() -> int:
    """Periodic (beat): fan out events whose wake-up was lost, wake due deliveries nobody
    holds, drop rotated secrets past their overlap. Idempotent. Returns deliveries woken."""
    events_fan_out()
    signing_secrets_expired_purge()
    return len(deliveries_sweep())


@shared_task(name="webhooks.log_purge", ignore_result=True)
def deliveries_purge_task() -> int:
    """Periodic (beat, hourly): forget finished deliveries past
    ``WEBHOOK_LOG_RETENTION_DAYS`` (30). Idempotent. Returns how many."""
    return deliveries_purge()


@shared_task(name="webhooks.health_evaluate", ignore_result=True)
def subscriptions_health_evaluate_task() -> int:
    """Periodic (beat, every 5 minutes): mark subscriptions failing for a day at risk and
    for five days disabled, e-mailing once per change. Idempotent. Returns how many."""
    return subscriptions_health_evaluate()
