"""Remembered answers to creates sent with an ``Idempotency-Key``."""

from django.db import models

from apps.accounts.models import Account


class IdempotentCreate(models.Model):
    """The first answer to a ``POST`` sent with an ``Idempotency-Key``, kept for
    ``MODULE_IDEMPOTENCY_HOURS``: a retry with the same key by the same caller gets it
    again instead of creating a duplicate.

    ``caller`` says whose key it is (``app:<installation>:<user>`` or ``key:<api key>``),
    so two callers never share keys; ``fingerprint`` is a hash of the path and body, so
    the same key with another request is refused.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    caller = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    model = models.CharField(max_length=100)
    record_id = models.BigIntegerField()
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    etag = models.CharField(max_length=40)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "caller", "key"], name="modules_idempotent_create_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
