"""The platform's keys for signing launch tokens.

One key is ``active`` (it signs); rotation retires it and creates the next one. A
retired key stays published in the JWKS until ``publish_until``, when the last token it
signed has expired; only then is it deleted. The private key is stored encrypted with
``apps.core.crypto`` (the ``ENCRYPTION_KEYS`` that protect secret settings).
"""

from django.db import models

from apps.core.models import TimeStampedModel


class SigningKey(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    kid = models.CharField(max_length=64, unique=True, help_text="The JWK thumbprint.")
    algorithm = models.CharField(max_length=16, default="ES256")
    private_key = models.TextField(help_text="The PEM private key, encrypted at rest.")
    public_jwk = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    retired_at = models.DateTimeField(null=True, blank=True)
    publish_until = models.DateTimeField(
        null=True, blank=True, help_text="A retired key is published until then."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="embedding_signingkey_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.status})"
