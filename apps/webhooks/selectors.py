"""Reads of the webhooks context: an app's signing secrets as its developer sees them,
the platform's public key, the delivery log of an app, and its subscriptions' health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.catalog.models import App
from apps.core.crypto import decrypt
from apps.core.errors import NotFound
from apps.installations.models import WebhookSubscription
from apps.webhooks.models import Attempt, Delivery, SigningSecret, SubscriptionHealth
from apps.webhooks.services.health import subscription_disabled_health
from apps.webhooks.services.secrets import signing_secret_current
from apps.webhooks.signing import platform_public_key


@dataclass(frozen=True)
class SecretShown:
    secret: str
    created_at: datetime
    expires_at: datetime | None  # None: the current secret


def signing_secrets_for_developer(*, app: App) -> list[SecretShown]:
    """The app's secrets that sign now, the current one first (made if the app has none
    yet). The caller has read ``app`` for its developer (``app_get_for``)."""
    signing_secret_current(app_id=app.pk)
    rows = SigningSecret.objects.filter(app_id=app.pk).order_by("-created_at", "-pk")
    now = timezone.now()
    return [
        SecretShown(decrypt(row.secret_encrypted), row.created_at, row.expires_at)
        for row in rows
        if row.expires_at is None or row.expires_at > now
    ]


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    public_key: str
    signature_version: str


def webhook_public_key() -> PublicKey:
    """The platform's key receivers verify ``v1a`` signatures with."""
    return PublicKey(algorithm="ed25519", public_key=platform_public_key(), signature_version="v1a")


def delivery_list_for_app(
    *,
    app: App,
    account_slug: str | None = None,
    event_type: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Delivery]:
    """The deliveries of ``app`` on every account it is installed on, newest first,
    narrowed by the filters given. The caller has read ``app`` for its developer."""
    rows = Delivery.objects.filter(installation__app_id=app.pk).select_related(
        "installation__account"
    )
    if account_slug:
        rows = rows.filter(installation__account__slug=account_slug)
    if event_type:
        rows = rows.filter(event_type=event_type)
    if status:
        rows = rows.filter(status=status)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-created_at", "-pk")


def delivery_get_for_app(*, app: App, delivery_id: str) -> Delivery:
    """The delivery ``delivery_id`` (its ``webhook-id``) of ``app``; ``NotFound`` for any
    other, another app's included. The caller has read ``app`` for its developer."""
    delivery = delivery_list_for_app(app=app).filter(uid=delivery_id).first()
    if delivery is None:
        raise NotFound("No delivery with this id for this app.")
    return delivery


def delivery_attempts(*, delivery: Delivery) -> QuerySet[Attempt]:
    return Attempt.objects.filter(delivery=delivery).order_by("number")


@dataclass(frozen=True)
class DeliveryHealth:
    """What an account's admin sees of an installed app's deliveries."""

    last_success_at: datetime | None
    last_failure: Attempt | None
    recent: list[Delivery]


def delivery_health_for_installation(*, installation_id: int, recent: int = 10) -> DeliveryHealth:
    """The installation's last successful delivery, its last failed attempt and its
    latest deliveries. The caller has read the installation for the account's admin."""
    last_success = (
        Delivery.objects.filter(installation_id=installation_id, status=Delivery.Status.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    last_failure = _last_failure(installation_id)
    rows = Delivery.objects.filter(installation_id=installation_id).order_by("-created_at", "-pk")
    return DeliveryHealth(last_success, last_failure, list(rows[:recent]))


def _last_failure(installation_id: int) -> Attempt | None:
    """The installation's newest attempt that did not succeed, in one query: the newest of
    each failing outcome is one probe of ``webhooks_attempt_outcomes``."""
    attempts = Attempt.objects.filter(installation_id=installation_id)
    newest = Q()
    for outcome in Attempt.Outcome:
        if outcome != Attempt.Outcome.SUCCEEDED:
            of = attempts.filter(outcome=outcome).order_by("-started_at", "-pk")
            newest |= Q(pk=Subquery(of.values("pk")[:1]))
    return attempts.filter(newest).order_by("-started_at", "-pk").first()


def _with_health(rows: QuerySet[WebhookSubscription]) -> QuerySet[Any]:
    """``rows`` annotated with their health: ``health_state`` (healthy without a row),
    the row's clock, and ``last_success_at`` (the row's, else the newest succeeded
    delivery still in the log: a row is only made at the first failure)."""
    health = SubscriptionHealth.objects.filter(subscription_id=OuterRef("pk"))
    succeeded = Delivery.objects.filter(
        subscription_id=OuterRef("pk"), status=Delivery.Status.SUCCEEDED
    ).order_by("-finished_at")
    return rows.annotate(
        health_state=Coalesce(
            Subquery(health.values("state")[:1]), Value(SubscriptionHealth.State.HEALTHY)
        ),
        failing_since=Subquery(health.values("failing_since")[:1]),
        last_failure_at=Subquery(health.values("last_failure_at")[:1]),
        last_success_at=Coalesce(
            Subquery(health.values("last_success_at")[:1]),
            Subquery(succeeded.values("finished_at")[:1]),
        ),
        at_risk_at=Subquery(health.values("at_risk_at")[:1]),
        disabled_at=Subquery(health.values("disabled_at")[:1]),
        enabled_at=Subquery(health.values("enabled_at")[:1]),
    )


def subscription_list_for_app(
    *, app: App, state: str | None = None, unhealthy: bool = False
) -> QuerySet[Any]:
    """The webhook subscriptions of ``app`` on every account it is installed on, each
    with its health (``_with_health``), the longest failing first; narrowed to one
    ``state`` when given, or to those at risk or disabled (``unhealthy``). The caller
    has read ``app`` for its developer."""
    rows = _with_health(
        WebhookSubscription.objects.filter(installation__app_id=app.pk).select_related(
            "installation__account"
        )
    )
    if state:
        rows = rows.filter(health_state=state)
    if unhealthy:
        rows = rows.exclude(health_state=SubscriptionHealth.State.HEALTHY)
    return rows.order_by(
        F("failing_since").asc(nulls_last=True), "installation__account__slug", "webhook_id"
    )


def subscription_list_for_installation(
    *, installation_id: int, state: str | None = None
) -> QuerySet[Any]:
    """The installation's webhook subscriptions, each with its health
    (``_with_health``), in the manifest's id order; narrowed to one ``state`` when
    given. The caller has read the installation for the account's admin."""
    rows = _with_health(WebhookSubscription.objects.filter(installation_id=installation_id))
    if state:
        rows = rows.filter(health_state=state)
    return rows.order_by("webhook_id", "pk")


def subscription_get_for_installation(*, installation_id: int, subscription_id: Any) -> Any:
    """One subscription of the installation with its health; ``NotFound`` for any other.
    The caller has read the installation for the account's admin."""
    sub = (
        subscription_list_for_installation(installation_id=installation_id)
        .filter(pk=_int(subscription_id))
        .first()
    )
    if sub is None:
        raise NotFound("No such webhook subscription of this installed app.")
    return sub


def subscription_health_get_for_app(*, app: App, subscription_id: Any) -> SubscriptionHealth:
    """The health of one subscription of ``app`` to enable it. ``NotFound`` for any other
    subscription; ``Conflict`` when it is not disabled."""
    sub = WebhookSubscription.objects.filter(
        pk=_int(subscription_id), installation__app_id=app.pk
    ).first()
    if sub is None:
        raise NotFound("No such webhook subscription of this app.")
    return subscription_disabled_health(subscription=sub)


def subscription_health_for_installation(*, installation_id: int) -> dict[int, SubscriptionHealth]:
    """The health rows of the installation's subscriptions, by subscription id (one
    missing is healthy)."""
    rows = SubscriptionHealth.objects.filter(installation_id=installation_id)
    return {row.subscription_id: row for row in rows}


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
