"""Durable job rows: the truth about every long piece of background work.

A Celery message only wakes a worker up; the row says what to do, how far it got and
what went wrong. A worker claims the row with a compare-and-set update that takes a
lease; a worker that dies loses its lease, and the beat sweeper wakes the job again.
"""

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel
from apps.core.times import when


class Job(TimeStampedModel):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    UNFINISHED = (State.PENDING, State.RUNNING)

    kind = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    payload = models.JSONField(default=dict, blank=True)
    target = models.CharField(
        max_length=200, blank=True, help_text="What the job works on, for people to read."
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(
        default=0,
        help_text="Temporary failures since the job was last retried by hand: the backoff "
        "and the give-up limit count these.",
    )
    retries_automatic = models.PositiveIntegerField(
        default=0, help_text="Automatic retries after a temporary error, over the job's life."
    )
    retries_manual = models.PositiveIntegerField(
        default=0, help_text="Times a person sent the failed job back to the queue."
    )
    last_error = models.TextField(blank=True)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["state", "enqueued_at"],
                name="jobs_job_unfinished_idx",
                condition=models.Q(state__in=["pending", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.state == self.State.SUCCEEDED else None
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def tries(self) -> int:
        """How many times the job was set going: its first run (once a worker took it),
        each automatic retry after a temporary error and each retry by hand. A retry
        that is waiting (backing off, or queued after Retry) counts already. A worker
        that dies in the middle of a chunk is not a try: the sweeper resumes its work."""
        if self.started_at is None:
            return 0
        return 1 + self.retries_automatic + self.retries_manual

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)


class Heartbeat(models.Model):
    """The last time a periodic task ran: proof that beat and a worker are alive."""

    name = models.CharField(max_length=64, primary_key=True)
    last_seen_at = models.DateTimeField()
    detail = models.JSONField(
        default=dict, blank=True, help_text="What the last run did, for the status page."
    )

    def __str__(self) -> str:
        return f"{self.name} at {when(self.last_seen_at, precision='second')}"
