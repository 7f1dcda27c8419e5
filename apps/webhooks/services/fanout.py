"""Fan-out: each change event becomes one delivery per matching subscription.

A subscription matches an event when it is of an installation on the event's account
that is active, whose app is active, whose subscription names the event's type, and
whose granted scopes still give unrestricted read on the event's model. The delivery's
body is built here, once: the event's record as the API serializes it (what the
installation may read), with the account, installation and event ids.

Events are read from the modules' outbox after their change committed (the wake-up is
called on commit when a subscription may want them; the sweeper also polls, and takes
the events no subscription wanted), in id order, a batch per transaction; the
batch's deliveries and the events' "dispatched" mark commit together. A unique
(event, subscription) constraint makes a second run of the same batch create nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.catalog.models import AppStatus
from apps.installations.models import Installation, InstallationStatus, WebhookSubscription
from apps.installations.selectors import subscribed_events_of_account
from apps.modules.events import Written, events_mark_dispatched, events_waiting
from apps.modules.models import ChangeEvent
from apps.scopes.policies import scopes_allow
from apps.scopes.types import Level
from apps.webhooks.models import Delivery
from apps.webhooks.services import wake
from apps.webhooks.services.health import subscriptions_not_disabled

logger = logging.getLogger(__name__)


def fan_out_wake() -> None:
    """Ask a worker to fan out the waiting events (called after a commit that wrote
    some). A broker that is down is logged, not raised: the sweeper polls."""
    from apps.webhooks.tasks import events_fan_out_task

    try:
        events_fan_out_task.apply_async()
    except Exception:
        logger.warning("Could not wake the webhook fan-out; the sweeper will.", exc_info=True)


def fan_out_wake_for(written: Written) -> None:
    """The wake-up installed in ``apps.modules``: after a commit that wrote change events
    (``written``: their account ids and types), wake the fan-out when a subscription on
    one of those accounts names one of those types (``subscribed_events_of_account``, a
    cache read). The others wait for the sweeper, which marks them dispatched, and
    delivers them to a subscription made meanwhile. A failed check wakes it anyway."""
    try:
        wanted = any(
            event_type in subscribed_events_of_account(account_id=account_id)
            for account_id, event_type in written
        )
    except Exception:
        logger.warning("Could not check the subscriptions of new events.", exc_info=True)
        wanted = True
    if wanted:
        fan_out_wake_soon()


def fan_out_wake_soon() -> None:
    """The wake-up of a commit: asked of the process's publisher thread (``wake.py``), or
    published at once where it is off (the test settings, eager Celery)."""
    if wake.in_background():
        wake.publisher.ask()
    else:
        fan_out_wake()


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def delivery_body(*, event: ChangeEvent, subscription: WebhookSubscription) -> str:
    """The JSON body of an event's delivery to one subscription (the same on every
    attempt and replay)."""
    body = {
        "type": f"{event.model}.{event.action}",
        "timestamp": _iso(event.occurred_at),
        "account_id": event.account_id,
        "installation_id": subscription.installation_id,
        "event_id": event.pk,
        "webhook": subscription.webhook_id,
        "data": {
            "model": event.model,
            "action": event.action,
            "id": event.record_id,
            "changed": list(event.changed),
            "record": event.data,
        },
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _subscriptions(events: list[ChangeEvent]) -> dict[tuple[int, str], list[WebhookSubscription]]:
    types = {f"{e.model}.{e.action}" for e in events}
    found: dict[tuple[int, str], list[WebhookSubscription]] = defaultdict(list)
    rows = subscriptions_not_disabled(
        WebhookSubscription.objects.filter(
            installation__account_id__in={e.account_id for e in events},
            installation__status=InstallationStatus.ACTIVE,
            installation__app__status=AppStatus.ACTIVE,
            event__in=types,
        )
    ).select_related("installation")
    for sub in rows:
        found[(sub.installation.account_id, sub.event)].append(sub)
    return found


def _reads(installation: Installation, model: str, cache: dict[tuple[int, str], bool]) -> bool:
    key = (installation.pk, model)
    if key not in cache:
        cache[key] = scopes_allow(installation.granted_scopes, model=model, level=Level.READ)
    return cache[key]


def deliveries_for(events: Iterable[ChangeEvent]) -> list[Delivery]:
    """The deliveries ``events`` call for (unsaved)."""
    events = list(events)
    if not events:
        return []
    subscriptions = _subscriptions(events)
    allowed: dict[tuple[int, str], bool] = {}
    now = timezone.now()
    deliveries = []
    for event in events:
        event_type = f"{event.model}.{event.action}"
        for sub in subscriptions.get((event.account_id, event_type), ()):
            if not _reads(sub.installation, event.model, allowed):
                continue
            deliveries.append(
                Delivery(
                    installation_id=sub.installation_id,
                    subscription_id=sub.pk,
                    webhook_id=sub.webhook_id,
                    event_type=event_type,
                    event_id=event.pk,
                    body=delivery_body(event=event, subscription=sub),
                    next_attempt_at=now,
                    enqueued_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    return deliveries


def _fan_out_batch(batch: int) -> int:
    from apps.webhooks.services.deliveries import delivery_enqueue

    with transaction.atomic():
        events = list(events_waiting(limit=batch))
        if not events:
            return 0
        ids = [e.pk for e in events]
        deliveries = deliveries_for(events)
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            new = list(
                Delivery.objects.filter(
                    event_id__in=ids, status=Delivery.Status.PENDING, attempts=0
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(lambda: [delivery_enqueue(delivery_id=pk) for pk in new])
        events_mark_dispatched(ids=ids)
    return len(events)


def events_fan_out(*, batch: int | None = None, budget_seconds: float = 5.0) -> int:
    """Turn waiting change events into deliveries, a batch per transaction, for at most
    ``budget_seconds``; returns how many events it dispatched. Idempotent and safe to run
    concurrently (PostgreSQL: each run skips the events another holds; elsewhere writes
    take turns and the unique constraint refuses a second delivery)."""
    batch = batch or settings.WEBHOOK_FANOUT_BATCH
    deadline = time.monotonic() + budget_seconds
    total = 0
    while True:
        done = _fan_out_batch(batch)
        total += done
        if done < batch:
            return total
        if time.monotonic() > deadline:
            fan_out_wake()  # more are waiting: the next message goes on
            return total
