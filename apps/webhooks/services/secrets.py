"""Each app's ``whsec_`` signing secrets: created when first needed, encrypted at rest,
rotated with an overlap during which the old and the new secret both sign."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.models import App
from apps.core.crypto import decrypt, encrypt
from apps.webhooks.models import SigningSecret
from apps.webhooks.signing import secret_generate

logger = logging.getLogger(__name__)


def signing_secret_current(*, app_id: int) -> str:
    """The app's current secret, created on first use. Safe to call concurrently: a
    unique constraint keeps one current secret per app, and the loser reads the winner's."""
    row = SigningSecret.objects.filter(app_id=app_id, expires_at__isnull=True).first()
    if row is None:
        try:
            with transaction.atomic():
                row = SigningSecret.objects.create(
                    app_id=app_id, secret_encrypted=encrypt(secret_generate())
                )
        except IntegrityError:
            row = SigningSecret.objects.get(app_id=app_id, expires_at__isnull=True)
    return decrypt(row.secret_encrypted)


def signing_secrets_live(*, app_id: int, now: datetime | None = None) -> list[str]:
    """Every secret that signs now: the current one first, then rotated ones still in
    their overlap. Creates the current one if the app has none yet."""
    now = now or timezone.now()
    current = signing_secret_current(app_id=app_id)
    older = SigningSecret.objects.filter(app_id=app_id, expires_at__gt=now).order_by(
        "-created_at", "-pk"
    )
    return [current, *(decrypt(row.secret_encrypted) for row in older)]


@transaction.atomic
def signing_secret_rotate(*, app: App, actor: Actor) -> str:
    """Replace the app's current secret with a new one, returned; the old one keeps
    signing beside it for ``WEBHOOK_SECRET_OVERLAP_HOURS`` (24), so receivers can switch
    without losing a delivery. Secrets whose overlap ended are removed. Who may rotate was
    decided when the app was read for ``actor``."""
    now = timezone.now()
    # Lock the app's row: two rotations at once take turns.
    App.objects.select_for_update().filter(pk=app.pk).first()
    SigningSecret.objects.filter(app_id=app.pk, expires_at__lte=now).delete()
    SigningSecret.objects.filter(app_id=app.pk, expires_at__isnull=True).update(
        expires_at=now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    )
    secret = secret_generate()
    SigningSecret.objects.create(app_id=app.pk, secret_encrypted=encrypt(secret), created_at=now)
    logger.info("Webhook signing secret of app %s rotated by %s.", app.pk, actor.label)
    return secret


def signing_secrets_expired_purge(*, now: datetime | None = None) -> int:
    """Remove rotated secrets whose overlap is over. Idempotent."""
    deleted, _ = SigningSecret.objects.filter(Q(expires_at__lte=now or timezone.now())).delete()
    return deleted
