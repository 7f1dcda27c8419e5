"""Thin Celery entry points of the lifecycle context."""

from celery import shared_task

from apps.lifecycle.services.purge import tokens_purge_run


@shared_task(name="lifecycle.tokens_purge", ignore_result=True)
def tokens_purge_task() -> int:
    """Periodic (beat): delete expired and revoked tokens and codes in batches, for at
    most ``LIFECYCLE_PURGE_SECONDS``; the next run goes on where this one stopped. Safe
    to run on two workers at once. Returns how many rows it deleted."""
    return tokens_purge_run().total
