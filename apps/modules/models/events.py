"""The change events of module data: the outbox that webhook deliveries read."""

from django.conf import settings
from django.db import models

from apps.accounts.models import Account


class ChangeEvent(models.Model):
    """One create, update or delete of a record, written in the transaction of the change
    (so it exists exactly when the change does).

    ``model`` is the catalog model code (``crm.account``), ``record_id`` the record's id,
    ``data`` the record as the API serializes it (for a delete: as it was), ``changed``
    the fields the change set. Who did it: ``actor_kind`` and the user, the installation
    (an app's token) or the API key, by id: an event outlives them and is no part of what
    goes when an app or key goes.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    class ActorKind(models.TextChoices):
        USER = "user", "User"
        APP = "app", "App"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "System"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100)
    action = models.CharField(max_length=10, choices=Action.choices)
    record_id = models.BigIntegerField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    installation_id = models.BigIntegerField(null=True, blank=True)
    api_key_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    changed = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(db_index=True)
    # When the webhooks context turned the event into deliveries (or found none due);
    # NULL while it waits. Only waiting events are in the partial index below.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["account", "model", "record_id"], name="modules_event_record"),
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="modules_event_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model}.{self.action} {self.record_id}"
