"""Connections: what an installation keeps to reach the outside service its app connects
to. Today: the values of the manifest's connection parameters (sensitive ones encrypted
with the platform's keys, like secret settings)."""

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class ConnectionValue(TimeStampedModel):
    """The value of one connection parameter of an installation.

    ``value`` holds plain types (text, number, boolean, select); ``secret`` a sensitive
    value encrypted with ``apps.core.crypto`` (never shown in full: ``secret_hint`` keeps
    at most its last characters). Values are kept across version updates while the key
    stays in the manifest.
    """

    installation = models.ForeignKey(
        "installations.Installation", on_delete=models.CASCADE, related_name="connection_values"
    )
    key = models.CharField(max_length=64)
    value = models.JSONField(null=True, blank=True)
    secret = models.TextField(blank=True, help_text="Encrypted; never shown in full.")
    secret_hint = models.CharField(max_length=8, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["installation", "key"], name="connections_value_unique")
        ]

    def __str__(self) -> str:
        return self.key


class OutsideClient(TimeStampedModel):
    """The OAuth client an app's developer registered at the outside service its
    connection reaches: one per app, whatever the version. The secret is encrypted and
    never shown again (``secret_hint`` keeps at most its last characters)."""

    app = models.OneToOneField(
        "catalog.App", on_delete=models.CASCADE, related_name="outside_client"
    )
    client_id = models.CharField(max_length=255)
    client_secret = models.TextField(help_text="Encrypted; never shown again.")
    secret_hint = models.CharField(max_length=8, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.client_id


class OAuthConnection(TimeStampedModel):
    """An installation's authorization at the outside service: the tokens the platform
    holds as its OAuth client, encrypted. ``status`` says whether they work: a refused
    refresh (``invalid_grant``) makes it ``needs_reconnect`` and the tokens go."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"

    installation = models.OneToOneField(
        "installations.Installation", on_delete=models.CASCADE, related_name="oauth_connection"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    access_token = models.TextField(blank=True, help_text="Encrypted.")
    refresh_token = models.TextField(blank=True, help_text="Encrypted.")
    token_type = models.CharField(max_length=40, blank=True)
    scope = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)
    problem = models.TextField(blank=True, help_text="The last failure, in plain words.")
    service_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Which outside service and scopes the tokens are for (policies.service_key): "
        "an update to a version that changes them needs a reconnect.",
    )

    issued_under = models.ForeignKey(
        "catalog.AppVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version whose manifest the tokens were issued under: a reconnect "
        "after an update revokes stale tokens at the revocation URL that manifest declares.",
    )

    def __str__(self) -> str:
        return f"{self.installation_id}: {self.status}"


class ConnectionTestResult(TimeStampedModel):
    """The last run of an installation's connection test: pass or fail, the answer's
    status, the latency and its first lines (sensitive values masked), or why no answer
    came (``failure``, ``message``)."""

    class Trigger(models.TextChoices):
        ADMIN = "admin", "Test button"
        CONNECTED = "connected", "After connecting"
        SAVED = "saved", "After saving parameters"

    installation = models.OneToOneField(
        "installations.Installation", on_delete=models.CASCADE, related_name="connection_test"
    )
    passed = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    excerpt = models.TextField(blank=True)
    failure = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.ADMIN)
    tested_at = models.DateTimeField()
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.installation_id}: {'passed' if self.passed else 'failed'}"
