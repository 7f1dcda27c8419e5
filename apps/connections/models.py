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
