"""Sending deliveries: claim, sign, post, record the attempt, schedule the next one.

The delivery row is the truth. A worker claims a due delivery with a compare-and-set
update that gives it a lease (``WEBHOOK_LEASE_SECONDS``); it records the attempt and the
delivery's new state only while it still holds that lease. A worker killed mid-send
leaves the lease to run out; the sweeper then wakes another worker, which sends the
delivery again (at least once: the receiver may see a ``webhook-id`` twice and
deduplicates on it).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.models import AppStatus
from apps.core.errors import Conflict
from apps.core.outbound import OutboundError, outbound_limits, outbound_request, safe_url
from apps.installations.models import InstallationStatus, WebhookSubscription
from apps.scopes.policies import scopes_allow
from apps.scopes.types import AppEvent, Level
from apps.webhooks.errors import WebhookError
from apps.webhooks.models import Attempt, Delivery, SubscriptionHealth
from apps.webhooks.policies import Outcome, attempt_outcome, retry_after_seconds, retry_delay
from apps.webhooks.services.health import (
    DISABLED_MESSAGE,
    health_record_attempt,
    subscription_is_disabled,
)
from apps.webhooks.services.secrets import signing_secrets_live
from apps.webhooks.signing import signature_headers

logger = logging.getLogger(__name__)

APP_EVENTS = frozenset(e.value for e in AppEvent)

RESPONSE_KEEP_BYTES = 2048
USER_AGENT = "Marketplace-Webhooks/1"

_CANCEL_MESSAGES = {
    WebhookError.SUBSCRIPTION_REMOVED: "The subscription was removed (an update of the app).",
    WebhookError.INSTALLATION_INACTIVE: "The app is being uninstalled from the account.",
    WebhookError.APP_INACTIVE: "The app is deactivated or being deleted.",
    WebhookError.SCOPE_WITHDRAWN: "The installation no longer grants read on the model.",
}


def delivery_enqueue(*, delivery_id: int, countdown: float | None = None) -> bool:
    """Send a wake-up for a delivery. A broker failure is logged, not raised: the sweeper
    sends it again. Returns whether the broker took it."""
    from apps.webhooks.tasks import delivery_send_task

    try:
        delivery_send_task.apply_async(args=[delivery_id], countdown=countdown)
    except Exception:
        logger.warning("Could not enqueue delivery %s; the sweeper will.", delivery_id)
        return False
    return True


def _claim(delivery_id: int, now: datetime) -> uuid.UUID | None:
    token = uuid.uuid4()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS),
            updated_at=now,
        )
    )
    return token if claimed else None


def _cancel_reason(delivery: Delivery, sub: WebhookSubscription | None) -> WebhookError | None:
    """Why a claimed delivery must not be sent, if it must not. ``app.uninstalled`` is
    sent while its installation is being uninstalled (that is its news); app events need
    no scope."""
    installation = delivery.installation
    telling_uninstall = (
        delivery.event_type == AppEvent.UNINSTALLED
        and installation.status == InstallationStatus.UNINSTALLING
    )
    if installation.status != InstallationStatus.ACTIVE and not telling_uninstall:
        return WebhookError.INSTALLATION_INACTIVE
    if installation.app.status != AppStatus.ACTIVE:
        return WebhookError.APP_INACTIVE
    if sub is None:
        return WebhookError.SUBSCRIPTION_REMOVED
    if delivery.event_type in APP_EVENTS or delivery.event_id is None:
        return None
    model = delivery.event_type.rsplit(".", 1)[0]
    if not scopes_allow(installation.granted_scopes, model=model, level=Level.READ):
        return WebhookError.SCOPE_WITHDRAWN
    return None


def _finish(delivery_id: int, token: uuid.UUID, **fields: object) -> bool:
    fields.update(lease_token=None, lease_expires_at=None, updated_at=timezone.now())
    return bool(Delivery.objects.filter(pk=delivery_id, lease_token=token).update(**fields))


def delivery_send(*, delivery_id: int) -> str:
    """Make one attempt at a due delivery, if no other worker holds it. Idempotent: a
    duplicate wake-up, or one for a delivery that is not due, does nothing.

    Returns ``skipped``, ``cancelled`` (its subscription, installation, app or scope went
    meanwhile), ``succeeded``, ``retrying`` or ``failed`` (a final answer, or the last
    attempt of the schedule failed: kept for replay)."""
    now = timezone.now()
    token = _claim(delivery_id, now)
    if token is None:
        return "skipped"
    delivery = Delivery.objects.select_related("installation__app").filter(pk=delivery_id).first()
    if delivery is None:
        return "skipped"  # its installation's cascade removed it meanwhile
    sub = (
        WebhookSubscription.objects.filter(
            pk=delivery.subscription_id, installation_id=delivery.installation_id
        ).first()
        if delivery.subscription_id is not None
        else None
    )
    reason = _cancel_reason(delivery, sub)
    if reason is not None or sub is None:
        reason = reason or WebhookError.SUBSCRIPTION_REMOVED
        _finish(
            delivery_id,
            token,
            status=Delivery.Status.CANCELLED,
            next_attempt_at=None,
            finished_at=now,
            last_error=_CANCEL_MESSAGES[reason],
            last_error_code=reason.value,
        )
        return "cancelled"
    if subscription_is_disabled(subscription_id=sub.pk):
        _finish(
            delivery_id,
            token,
            status=Delivery.Status.FAILED,
            next_attempt_at=None,
            finished_at=now,
            last_error=DISABLED_MESSAGE,
            last_error_code=WebhookError.SUBSCRIPTION_DISABLED.value,
        )
        return "failed"
    return _attempt(delivery, sub, token)


@dataclass
class _Sent:
    """What one attempt sent and got back."""

    headers: dict[str, str]
    started: datetime
    elapsed_ms: int = 0
    status: int | None = None
    failure: str = ""
    error: str = ""
    kept: bytes = b""
    retry_after: float | None = None


def _post(delivery: Delivery, sub: WebhookSubscription) -> _Sent:
    body = delivery.body.encode()
    headers = signature_headers(
        msg_id=delivery.uid,
        timestamp=int(time.time()),
        body=body,
        app_secrets=signing_secrets_live(app_id=delivery.installation.app_id),
    )
    sent = _Sent(headers=headers, started=timezone.now())
    clock = time.monotonic()
    try:
        response = outbound_request(
            "POST",
            sub.url,
            headers={**headers, "content-type": "application/json", "user-agent": USER_AGENT},
            content=body,
            limits=outbound_limits(
                connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
                total_timeout=settings.WEBHOOK_TIMEOUT,
            ),
            keep_bytes=RESPONSE_KEEP_BYTES,
        )
        sent.status, sent.kept = response.status, response.body
        lowered = {k.lower(): v for k, v in response.headers.items()}
        sent.retry_after = retry_after_seconds(lowered.get("retry-after"), now=timezone.now())
        if not 200 <= response.status < 300:
            sent.failure = WebhookError.HTTP_STATUS
            sent.error = f"The receiver answered {response.status}."
    except OutboundError as exc:
        sent.failure, sent.error = exc.failure, exc.message
    sent.elapsed_ms = int((time.monotonic() - clock) * 1000)
    return sent


def _next(number: int, sent: _Sent) -> tuple[Outcome, float | None]:
    """The attempt's outcome and, for a retry, the delay before the next one (``number``
    counts the attempts of the current round: a replay starts a new one)."""
    outcome = attempt_outcome(status=sent.status, failure=sent.failure or None)
    if outcome is not Outcome.RETRY:
        return outcome, None
    delay = retry_delay(
        attempts=number,
        schedule=settings.WEBHOOK_RETRY_SCHEDULE,
        jitter=settings.WEBHOOK_RETRY_JITTER,
        rand=random.random,  # spreading retries, not a secret
        retry_after=sent.retry_after,
    )
    if delay is None:
        sent.error = f"{sent.error} Gave up after {number} attempts.".strip()
        return Outcome.FAILED, None
    return outcome, delay


def _record(
    delivery: Delivery, sub: WebhookSubscription, token: uuid.UUID, sent: _Sent
) -> tuple[bool, Outcome, float | None]:
    number = delivery.attempts + 1
    outcome, delay = _next(number - delivery.round_start, sent)
    now = timezone.now()
    fields: dict[str, object] = {
        "attempts": number,
        "last_status_code": sent.status,
        "last_error": sent.error[:300],
        "last_error_code": str(sent.failure)[:32],
    }
    if outcome is Outcome.RETRY and delay is not None:
        fields.update(next_attempt_at=now + timedelta(seconds=delay), enqueued_at=now)
    else:
        status = (
            Delivery.Status.SUCCEEDED if outcome is Outcome.SUCCEEDED else Delivery.Status.FAILED
        )
        fields.update(status=status, next_attempt_at=None, finished_at=now)
    with transaction.atomic():
        recorded = _finish(delivery.pk, token, **fields)
        if recorded:
            health_record_attempt(
                delivery=delivery, succeeded=outcome is Outcome.SUCCEEDED, now=now
            )
            Attempt.objects.create(
                delivery_id=delivery.pk,
                installation_id=delivery.installation_id,
                number=number,
                url=sub.url[:500],
                started_at=sent.started,
                duration_ms=sent.elapsed_ms,
                status_code=sent.status,
                outcome=outcome.value,
                error_code=str(sent.failure)[:32],
                error=sent.error[:300],
                request_headers=sent.headers,
                response_body=sent.kept.decode("utf-8", errors="replace"),
            )
    return recorded, outcome, delay


def _attempt(delivery: Delivery, sub: WebhookSubscription, token: uuid.UUID) -> str:
    sent = _post(delivery, sub)
    recorded, outcome, delay = _record(delivery, sub, token, sent)
    logger.info(
        "webhook %s %s to %s: %s (%s)",
        delivery.uid,
        delivery.event_type,
        safe_url(sub.url),
        outcome.value,
        sent.status if sent.status is not None else sent.failure,
    )
    if not recorded:
        return "skipped"  # the lease ran out meanwhile: another worker has the delivery
    if outcome is Outcome.RETRY and delay is not None:
        if delay <= settings.WEBHOOK_COUNTDOWN_MAX_SECONDS:
            delivery_enqueue(delivery_id=delivery.pk, countdown=delay)
        return "retrying"
    return outcome.value


def deliveries_sweep(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Wake up every pending delivery that is due, that no worker holds (lease free or
    run out), and whose last wake-up is older than ``WEBHOOK_STALE_SECONDS``: its message
    was lost, its worker died, or its retry was too far off for a countdown. Each wake-up
    is guarded by a compare-and-set on ``enqueued_at``, so two sweepers send one.
    Returns the ids woken. Idempotent."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.WEBHOOK_STALE_SECONDS)
    candidates = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
        .order_by("next_attempt_at")
        .values_list("pk", "enqueued_at")[:limit]
    )
    woken = []
    for pk, enqueued_at in candidates:
        if not Delivery.objects.filter(pk=pk, enqueued_at=enqueued_at).update(enqueued_at=now):
            continue
        delivery_enqueue(delivery_id=pk)
        woken.append(pk)
    if woken:
        logger.info("Webhook sweeper woke %d delivery(ies).", len(woken))
    return woken


@transaction.atomic
def delivery_replay(*, delivery: Delivery, actor: Actor) -> Delivery:
    """Send a finished delivery again, at once and with a new round of the retry
    schedule: the same ``webhook-id`` and body, so receivers deduplicate. Who may replay
    it was decided when it was read for ``actor`` (the app's developers). Raises
    ``Conflict`` for a delivery still pending or cancelled. Returns it as stored."""
    now = timezone.now()
    replayed = Delivery.objects.filter(
        pk=delivery.pk, status__in=(Delivery.Status.SUCCEEDED, Delivery.Status.FAILED)
    ).update(
        status=Delivery.Status.PENDING,
        replays=F("replays") + 1,
        round_start=F("attempts"),
        next_attempt_at=now,
        enqueued_at=now,
        finished_at=None,
        last_error="",
        last_error_code="",
        updated_at=now,
    )
    if not replayed:
        raise Conflict(
            "Only a delivery that succeeded or failed can be replayed: this one is "
            f"{Delivery.objects.get(pk=delivery.pk).status}."
        )
    logger.info("Webhook delivery %s replayed by %s.", delivery.uid, actor.label)
    transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery.pk))
    delivery.refresh_from_db()
    return delivery


def deliveries_cancel_for_subscriptions(subscription_ids: Iterable[int]) -> int:
    """Cancel the pending deliveries of these subscriptions (an update removes them), in
    the caller's transaction; they stay in the log as cancelled, and the subscriptions'
    health goes. Returns how many deliveries."""
    ids = list(subscription_ids)
    if not ids:
        return 0
    now = timezone.now()
    SubscriptionHealth.objects.filter(subscription_id__in=ids).delete()
    return Delivery.objects.filter(subscription_id__in=ids, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED,
        next_attempt_at=None,
        finished_at=now,
        updated_at=now,
        last_error=_CANCEL_MESSAGES[WebhookError.SUBSCRIPTION_REMOVED],
        last_error_code=WebhookError.SUBSCRIPTION_REMOVED.value,
    )


def deliveries_purge(*, now: datetime | None = None, batch: int = 2000) -> int:
    """Delete finished deliveries (succeeded, failed, cancelled) older than
    ``WEBHOOK_LOG_RETENTION_DAYS``, with their attempts, a batch per short transaction.
    Pending ones stay. Idempotent; returns how many deliveries it deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    total = 0
    while True:
        ids = list(
            Delivery.objects.filter(created_at__lt=cutoff)
            .exclude(status=Delivery.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=ids).delete()
            deleted, _ = Delivery.objects.filter(pk__in=ids).delete()
        total += deleted
