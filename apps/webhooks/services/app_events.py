"""App events: ``app.installed``, ``app.updated`` and ``app.uninstalled``, each about an
app's own installation and sent only to that installation's subscriptions naming it.

They come from the installation's history: the installations context calls
``app_event_deliveries_create`` (installed at start-up) in the transaction that writes
the history entry of an install, an update or an uninstall request, so a delivery
exists exactly when its event does. ``app.installed`` and ``app.updated`` are woken
after that commit and sent like any delivery. ``app.uninstalled`` is sent by the
uninstall job itself (``app_uninstalled_send``) before its cascade removes the
installation's subscriptions and deliveries: one attempt, then the data goes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.models import AppStatus
from apps.installations.models import Installation, InstallationEvent, WebhookSubscription
from apps.scopes.types import AppEvent
from apps.webhooks.models import Delivery
from apps.webhooks.services.deliveries import delivery_enqueue, delivery_send
from apps.webhooks.services.health import subscriptions_not_disabled

_EVENT_OF_KIND: dict[str, AppEvent] = {
    InstallationEvent.Kind.INSTALLED: AppEvent.INSTALLED,
    InstallationEvent.Kind.UPDATED: AppEvent.UPDATED,
    InstallationEvent.Kind.UNINSTALL_REQUESTED: AppEvent.UNINSTALLED,
}


def _actor(actor: Actor) -> dict[str, Any]:
    if actor.via_app_token:
        kind = "app"
    elif actor.via_api_key:
        kind = "api_key"
    elif actor.user is not None:
        kind = "user"
    else:
        kind = "system"
    return {"type": kind, "user_id": actor.user_id}


def _data(installation: Installation, event: InstallationEvent, actor: Actor) -> dict[str, Any]:
    """What an app event says about the installation: the app, the version it moved
    from and to (``None`` before an install and after an uninstall), the scopes granted
    and who acted; for an update, the scopes it added and removed and whether the
    rollout made it."""
    number = installation.version.number
    detail = event.detail or {}
    data: dict[str, Any] = {"app": str(installation.app.code)}
    if event.kind == InstallationEvent.Kind.UPDATED:
        data["version"] = {"from": detail.get("from"), "to": detail.get("to", number)}
    elif event.kind == InstallationEvent.Kind.INSTALLED:
        data["version"] = {"from": None, "to": number}
    else:
        data["version"] = {"from": number, "to": None}
    data["scopes"] = list(installation.granted_scopes)
    data["actor"] = _actor(actor)
    if event.kind == InstallationEvent.Kind.UPDATED:
        data["scopes_added"] = list(detail.get("scopes_added", []))
        data["scopes_removed"] = list(detail.get("scopes_removed", []))
        data["automatic"] = bool(detail.get("automatic", False))
    return data


def app_event_body(
    *,
    app_event: AppEvent,
    installation: Installation,
    event: InstallationEvent,
    actor: Actor,
    webhook_id: str,
) -> str:
    """The JSON body of an app event's delivery to one subscription: the shape of every
    delivery, with the history entry's id as ``event_id``."""
    body = {
        "type": app_event.value,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "account_id": installation.account_id,
        "installation_id": installation.pk,
        "event_id": event.pk,
        "webhook": webhook_id,
        "data": _data(installation, event, actor),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def app_event_deliveries_create(
    installation: Installation, event: InstallationEvent, actor: Actor
) -> list[int]:
    """One delivery per subscription of ``installation`` naming the app event that
    ``event`` (a history entry) is, in the caller's transaction; returns their ids.

    Nothing for other history entries, for a disabled subscription, or when the app is
    not active (an app being deleted tells none of its installations). ``app.installed``
    and ``app.updated`` are woken after the commit; ``app.uninstalled`` waits for the
    uninstall job (``app_uninstalled_send``). Each entry is written once, so each event
    makes its deliveries once."""
    app_event = _EVENT_OF_KIND.get(event.kind)
    if app_event is None:
        return []
    subscriptions = list(
        subscriptions_not_disabled(
            WebhookSubscription.objects.filter(installation=installation, event=app_event.value)
        ).order_by("pk")
    )
    if not subscriptions or installation.app.status != AppStatus.ACTIVE:
        return []
    now = timezone.now()
    created = [
        Delivery.objects.create(
            installation_id=installation.pk,
            subscription_id=sub.pk,
            webhook_id=sub.webhook_id,
            event_type=app_event.value,
            body=app_event_body(
                app_event=app_event,
                installation=installation,
                event=event,
                actor=actor,
                webhook_id=sub.webhook_id,
            ),
            next_attempt_at=now,
            enqueued_at=now,
            created_at=now,
            updated_at=now,
        ).pk
        for sub in subscriptions
    ]
    if app_event is not AppEvent.UNINSTALLED:
        transaction.on_commit(lambda: [delivery_enqueue(delivery_id=pk) for pk in created])
    return created


# What ``delivery_send`` answers when it made an attempt.
_ATTEMPTED = frozenset({"succeeded", "retrying", "failed"})


def app_uninstalled_waiting(*, installation_id: int) -> list[int]:
    """The installation's ``app.uninstalled`` deliveries not attempted yet."""
    return list(
        Delivery.objects.filter(
            installation_id=installation_id,
            event_type=AppEvent.UNINSTALLED.value,
            status=Delivery.Status.PENDING,
            attempts=0,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def app_uninstalled_send(*, installation_id: int, wait_seconds: float) -> tuple[bool, int]:
    """Make the first attempt of each ``app.uninstalled`` delivery of the installation,
    here and now, with the usual signing, timeouts and record (``delivery_send``).

    Returns ``(done, sent)``: ``done`` when none is left waiting for its first attempt,
    so the uninstall cascade may go; ``sent`` how many attempts this call made. A
    delivery another worker holds (the sweeper woke it) is waited for, up to
    ``wait_seconds``; after that ``done`` is false and the caller asks again later (the
    holder records its attempt, or its lease runs out and the next call sends it).
    Idempotent: a delivery attempted once is left to its retries, which end with the
    cascade."""
    end = time.monotonic() + wait_seconds
    sent = 0
    waiting = app_uninstalled_waiting(installation_id=installation_id)
    while waiting:
        for pk in waiting:
            if delivery_send(delivery_id=pk) in _ATTEMPTED:
                sent += 1
        waiting = app_uninstalled_waiting(installation_id=installation_id)
        if waiting and time.monotonic() >= end:
            return False, sent
        if waiting:
            time.sleep(0.2)
    return True, sent
