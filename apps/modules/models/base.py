"""What every record of a host module has: its account (the tenant that owns it), an
owner among the account's users, timestamps and a revision for ETags."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from apps.accounts.models import Account
from apps.core.models import TimeStampedModel

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code in capitals, e.g. USD.", code="currency"
)


def money(**kwargs: object) -> models.DecimalField:
    """An amount: 14 digits, 2 decimals (its currency sits in a field of its own)."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


def currency() -> models.CharField:
    return models.CharField(max_length=3, default="USD", validators=[currency_validator])


class ModuleRecord(TimeStampedModel):
    """Base of the host product's module data.

    A record belongs to its ``account`` (never to an installation: uninstalling an app
    leaves the account's data alone). ``owner`` is the account user responsible for it.
    ``revision`` grows by one on every change; the API's ETag is made from it.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ActiveStatus(models.TextChoices):
    """The status of records that are either in use or put away."""

    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"
