"""Webhook deliveries: one row per change event and matching subscription, with its
attempts, and each app's signing secrets.

The delivery row is the truth about what is owed to a receiver: its ``status``, when it
is next due and who is sending it now (a lease). Celery messages only wake a worker
up; a sweeper finds what is due and nobody holds. See ``apps/webhooks/README.md``.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone


def delivery_uid() -> str:
    """The ``webhook-id`` of a delivery: stable across its retries and replays."""
    return f"msg_{secrets.token_urlsafe(18)}"


class SigningSecret(models.Model):
    """An app's ``whsec_`` secret for ``v1`` signatures, encrypted at rest.

    The current secret has no ``expires_at``; a rotated one keeps signing beside the new
    one until its ``expires_at`` (24 hours after the rotation), then is ignored and purged.
    """

    app = models.ForeignKey("catalog.App", on_delete=models.CASCADE, related_name="+")
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["app"],
                condition=Q(expires_at__isnull=True),
                name="webhooks_one_current_secret_per_app",
            )
        ]

    def __str__(self) -> str:
        return f"signing secret of app {self.app_id}"


class Delivery(models.Model):
    """One event owed to one subscription of an installation.

    ``subscription_id`` and ``webhook_id`` name the subscription as it was when the event
    was fanned out (the row outlives a subscription an update removes, as a cancelled
    delivery in the log). ``body`` is the exact JSON sent, the same on every attempt;
    each attempt is signed anew with its own timestamp.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.CharField(max_length=40, unique=True, default=delivery_uid)
    # Indexed by ``webhooks_delivery_log``, which it leads.
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subscription_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    webhook_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=128)
    event_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # A replay starts a new round of the retry schedule: the attempts made before it,
    # and how many replays there were.
    round_start = models.PositiveIntegerField(default=0)
    replays = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    # Why the last attempt failed (an outbound failure or ``http_status``), or why the
    # delivery was cancelled (``apps.webhooks.errors.WebhookError``).
    last_error_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "subscription_id"],
                condition=Q(event_id__isnull=False),
                name="webhooks_one_delivery_per_event_subscription",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhooks_delivery_due",
            ),
            models.Index(fields=["installation", "-created_at"], name="webhooks_delivery_log"),
            # A subscription's last success (the health views), without sorting its log.
            models.Index(
                fields=["subscription_id", "-finished_at"],
                condition=Q(status="succeeded"),
                name="webhooks_delivery_last_success",
            ),
            # The same for an installation (its console page).
            models.Index(
                fields=["installation", "-finished_at"],
                condition=Q(status="succeeded"),
                name="webhooks_installation_success",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uid} {self.event_type} ({self.status})"


class Attempt(models.Model):
    """One try at sending a delivery: what was sent where, and what came back (the first
    2 KB of the answer's body)."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        RETRY = "retry", "Will retry"
        FAILED = "failed", "Failed"

    # Nullable only so the deletion plan may clear it before deliveries go (attempts go
    # first, so it is never NULL in practice).
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, null=True, related_name="attempt_rows"
    )
    # Indexed by ``webhooks_attempt_outcomes``, which it leads.
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    number = models.PositiveIntegerField()
    url = models.CharField(max_length=500)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.CharField(max_length=300, blank=True)
    request_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        indexes = [
            # An installation's attempts, and its newest of each outcome (its last failure)
            # without sorting its log.
            models.Index(
                fields=["installation", "outcome", "-started_at"], name="webhooks_attempt_outcomes"
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"


class SubscriptionHealth(models.Model):
    """How a subscription's receiver is doing, kept only for one that failed.

    ``failing_since`` is the first failed attempt after the last success (``None``: its
    last attempt succeeded). The periodic evaluation moves ``state`` by the rule in
    ``policies.subscription_health_state``: at risk after a day of failures, disabled
    after five; a success sets it back to healthy, and only the app's developer or the
    account's admin enables a disabled one again. A subscription without a row is
    healthy. ``subscription_id`` is a plain column like the delivery's, so the
    one-statement removal of subscriptions keeps working.
    """

    class State(models.TextChoices):
        HEALTHY = "healthy", "Healthy"
        AT_RISK = "at_risk", "At risk"
        DISABLED = "disabled", "Disabled"

    subscription_id = models.BigIntegerField(unique=True)
    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.HEALTHY)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    enabled_at = models.DateTimeField(null=True, blank=True)
    enabled_by = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["failing_since"],
                condition=Q(failing_since__isnull=False),
                name="webhooks_health_failing",
            )
        ]

    def __str__(self) -> str:
        return f"subscription {self.subscription_id}: {self.state}"
