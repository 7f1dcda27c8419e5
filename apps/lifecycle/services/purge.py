"""The periodic token purge and its record for the status page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone

from apps.jobs.models import Heartbeat
from apps.lifecycle.services.batches import Deadline
from apps.lifecycle.services.tokens import Tally, tokens_purge_expired

logger = logging.getLogger(__name__)

PURGE_HEARTBEAT = "tokens_purge"


def tokens_purge_run() -> Tally:
    """Purge expired and revoked tokens for at most ``LIFECYCLE_PURGE_SECONDS`` and record
    what it did (rows per kind, whether it caught up, how long it took) on the
    ``tokens_purge`` heartbeat shown on the System status page. Idempotent."""
    started = timezone.now()
    tally = tokens_purge_expired(
        deadline=Deadline(settings.LIFECYCLE_PURGE_SECONDS),
        batch_size=settings.LIFECYCLE_PURGE_BATCH_SIZE,
    )
    finished = timezone.now()
    Heartbeat.objects.update_or_create(
        name=PURGE_HEARTBEAT,
        defaults={
            "last_seen_at": finished,
            "detail": {
                "deleted": tally.deleted,
                "total": tally.total,
                "caught_up": tally.complete,
                "seconds": round((finished - started).total_seconds(), 3),
            },
        },
    )
    logger.info(
        "Token purge deleted %d row(s) in %.1f s%s: %s",
        tally.total,
        (finished - started).total_seconds(),
        "" if tally.complete else " (time budget spent; the next run goes on)",
        tally.deleted,
    )
    return tally
