"""Reviews of app versions: who claimed one, what they checked and what they decided.

A version's status lives on the version (``apps.catalog``); a review is the moderator's
record around it. At most one review per version is open (claimed, not yet released or
decided), enforced by the database.
"""

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class Review(TimeStampedModel):
    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    version = models.ForeignKey(
        "catalog.AppVersion", on_delete=models.CASCADE, related_name="reviews"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    moderator_label = models.CharField(max_length=254)
    claimed_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True, help_text="For moderators only.")

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(released_at__isnull=True, decided_at__isnull=True),
                name="moderation_one_open_review_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.version_id} by {self.moderator_label}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None and self.decided_at is None
