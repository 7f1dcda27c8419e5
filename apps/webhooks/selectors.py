"""Reads of the webhooks context: an app's signing secrets as its developer sees them,
the platform's public key, and the delivery log of an app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from apps.catalog.models import App
from apps.core.crypto import decrypt
from apps.webhooks.models import Attempt, Delivery, SigningSecret
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
    account_id: int | None = None,
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
    if account_id is not None:
        rows = rows.filter(installation__account_id=account_id)
    if event_type:
        rows = rows.filter(event_type=event_type)
    if status:
        rows = rows.filter(status=status)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows.order_by("-created_at", "-pk")


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
    last_failure = (
        Attempt.objects.filter(installation_id=installation_id)
        .exclude(outcome=Attempt.Outcome.SUCCEEDED)
        .order_by("-started_at", "-pk")
        .first()
    )
    rows = Delivery.objects.filter(installation_id=installation_id).order_by("-created_at", "-pk")
    return DeliveryHealth(last_success, last_failure, list(rows[:recent]))
