"""Marketplace apps, their versions, listing images, install links and version history.

An app belongs to a developer account. Each version carries one validated manifest; its
status moves only through ``apps.catalog.services.version_transition`` (a transition
table in ``policies.py`` and a compare-and-set update), which also writes the history.
"""

import uuid

from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel


class AppType(models.TextChoices):
    PRIVATE = "private", "Private"
    PUBLIC = "public", "Public"


class AppStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DELETING = "deleting", "Deleting"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"
    HIDDEN = "hidden", "Hidden"


def listing_upload_to(instance: models.Model, filename: str) -> str:
    """Listing images live under the app's code with a random name: uploads never clash
    and the name a developer chose never reaches a URL."""
    app = instance if isinstance(instance, App) else instance.app  # type: ignore[attr-defined]
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"listing/{app.code}/{uuid.uuid4().hex}.{suffix}"


class App(TimeStampedModel):
    """A marketplace app owned by a developer account.

    ``status`` is the kill switch: an inactive or deleting app cannot be installed, is
    not embedded, and its OAuth client is suspended so every token is refused.
    ``is_listed`` shows a public app in the marketplace catalog.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="developed_apps"
    )
    name = models.CharField(max_length=100)
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=AppType.choices)
    status = models.CharField(max_length=16, choices=AppStatus.choices, default=AppStatus.ACTIVE)
    is_listed = models.BooleanField(
        "listed in the catalog",
        default=False,
        help_text="Public apps only: shown in the marketplace catalog.",
    )
    oauth_application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.PROTECT,
        related_name="marketplace_app",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleting_at = models.DateTimeField(null=True, blank=True)
    # Listing: edits never need moderation.
    summary = models.CharField(max_length=160, blank=True)
    description = models.TextField(max_length=20_000, blank=True)
    support_email = models.EmailField(blank=True)
    support_url = models.URLField(blank=True, max_length=500)
    logo = models.ImageField(upload_to=listing_upload_to, blank=True)
    credentials_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="catalog_app_name_unique"),
            models.CheckConstraint(
                condition=models.Q(is_listed=False) | models.Q(type="public"),
                name="catalog_app_only_public_listed",
            ),
        ]
        indexes = [models.Index(fields=["type", "status", "is_listed"])]

    def __str__(self) -> str:
        return self.name


class AppBanner(TimeStampedModel):
    """A banner image of an app's listing, shown in order on its catalog page."""

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="banners")
    image = models.ImageField(upload_to=listing_upload_to)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]


class AppVersion(TimeStampedModel):
    """One version of an app: a validated manifest, a changelog and a status.

    ``manifest`` is the parsed manifest; ``manifest_source`` keeps the text as the
    developer sent it (JSON or YAML) so edits start from their own words.
    """

    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="versions")
    number = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    manifest = models.JSONField()
    manifest_source = models.TextField()
    manifest_format = models.CharField(max_length=8, default="json")
    effective_scopes = models.JSONField(default=list)
    changelog = models.TextField(max_length=10_000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["app", "number"], name="catalog_version_number_unique"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.app.name} {self.number}"


class VersionEvent(models.Model):
    """One status change of a version: who, when, from, to and why. Append-only."""

    version = models.ForeignKey(AppVersion, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    from_status = models.CharField(max_length=16, choices=VersionStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=VersionStatus.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class InstallLink(TimeStampedModel):
    """A link that lets an admin of any account install one exact version.

    The token is shown once, at creation; only ``token_id`` (its visible prefix) and a
    keyed hash of the whole token are stored.
    """

    PREFIX = "mil_"

    version = models.ForeignKey(AppVersion, on_delete=models.CASCADE, related_name="install_links")
    label = models.CharField(max_length=100, blank=True)
    token_id = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.PREFIX}{self.token_id}…"

    @property
    def display_prefix(self) -> str:
        return f"{self.PREFIX}{self.token_id}"
