"""Installations: an app's version installed on an account, with everything that hangs off it.

An installation carries the scopes its account granted (frozen at consent), who may use
the app there (roles and groups), the values of its settings (app-level and per user;
secrets encrypted, files in storage), the webhook subscriptions its manifest declares,
and, for user-level apps, each user's own authorization. Its ``status`` moves only
through ``apps.installations.services`` with compare-and-set updates.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel


class InstallationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    UNINSTALLING = "uninstalling", "Uninstalling"


# Statuses in which an installation counts as "the" installation of its app on its
# account: at most one such row per (account, app), enforced by a partial unique index.
LIVE_STATUSES = (InstallationStatus.ACTIVE,)


def setting_file_upload_to(instance: "SettingValue", filename: str) -> str:
    """Setting files live under the installation with a random name: the name an admin
    chose never reaches a path, and uninstalling removes one folder."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:10] if "." in filename else "bin"
    return f"settings/{instance.installation.uid}/{uuid.uuid4().hex}.{suffix}"


class Installation(TimeStampedModel):
    """One version of an app installed on one account.

    ``granted_scopes`` are the effective scopes the account's admin consented to (sorted
    ``code:level`` strings); every token of the installation is limited to them at each
    request. ``scopes_revision`` grows whenever they change.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="installations"
    )
    app = models.ForeignKey("catalog.App", on_delete=models.CASCADE, related_name="installations")
    version = models.ForeignKey(
        "catalog.AppVersion", on_delete=models.PROTECT, related_name="installations"
    )
    status = models.CharField(
        max_length=16, choices=InstallationStatus.choices, default=InstallationStatus.ACTIVE
    )
    granted_scopes = models.JSONField(default=list)
    scopes_revision = models.PositiveIntegerField(default=1)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    installed_at = models.DateTimeField()
    install_link = models.ForeignKey(
        "catalog.InstallLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="installations",
        help_text="The install link it came through, if any.",
    )
    uninstall_requested_at = models.DateTimeField(null=True, blank=True)
    uninstall_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pinned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set while an admin keeps the installation on its version: no automatic "
        "updates when the developer publishes a new one.",
    )
    access_everyone = models.BooleanField(
        default=False,
        help_text="Every member of the account may use the app, whatever their role and groups.",
    )
    pending_version = models.ForeignKey(
        "catalog.AppVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="A published version the installation was not moved to automatically "
        "because it asks for more access: the update needs an admin's approval.",
    )

    class Meta:
        ordering = ["app__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "app"],
                condition=Q(status__in=LIVE_STATUSES),
                name="installations_one_live_per_account_app",
            )
        ]
        indexes = [models.Index(fields=["app", "status"])]

    def __str__(self) -> str:
        return f"{self.app} {self.version.number} on {self.account.slug}"

    @property
    def is_active(self) -> bool:
        return self.status == InstallationStatus.ACTIVE

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None


class InstallationAccess(models.Model):
    """A role or a group whose members may use the app on the account.

    An installation without any row (and without ``access_everyone``) is for the account's
    admins only; admins may always use an installed app.
    """

    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="access_rules"
    )
    role = models.ForeignKey(
        "accounts.Role", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "accounts.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__isnull=False) & Q(group__isnull=True))
                | (Q(role__isnull=True) & Q(group__isnull=False)),
                name="installations_access_role_xor_group",
            ),
            models.UniqueConstraint(
                fields=["installation", "role"],
                condition=Q(role__isnull=False),
                name="installations_access_role_unique",
            ),
            models.UniqueConstraint(
                fields=["installation", "group"],
                condition=Q(group__isnull=False),
                name="installations_access_group_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"role {self.role_id}" if self.role_id else f"group {self.group_id}"


class SettingValue(TimeStampedModel):
    """The value of one manifest setting: app-level (``user`` empty) or one user's own.

    ``value`` holds plain types (text, number, boolean, select, reference id); ``secret``
    holds a secret encrypted with the platform's settings keys; ``file`` a stored upload.
    Values are kept across version updates as long as the key stays in the manifest.
    """

    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="setting_values"
    )
    key = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    value = models.JSONField(null=True, blank=True)
    secret = models.TextField(blank=True, help_text="Encrypted; never shown in full.")
    secret_hint = models.CharField(max_length=8, blank=True)
    file = models.FileField(upload_to=setting_file_upload_to, blank=True, max_length=300)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "key"],
                condition=Q(user__isnull=True),
                name="installations_app_setting_unique",
            ),
            models.UniqueConstraint(
                fields=["installation", "key", "user"],
                condition=Q(user__isnull=False),
                name="installations_user_setting_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class WebhookSubscription(TimeStampedModel):
    """A webhook the installation's manifest declares, registered for the account.

    Keyed by the manifest's webhook ``id``: an update moves, adds and removes
    subscriptions by comparing ids. Delivery is the webhooks context's job.
    """

    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    webhook_id = models.CharField(max_length=64)
    event = models.CharField(max_length=128)
    url = models.URLField(max_length=500)

    class Meta:
        ordering = ["webhook_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "webhook_id"], name="installations_webhook_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id}: {self.event}"


class UserAuthorization(TimeStampedModel):
    """A user's own consent to a user-level app on one installation.

    ``scopes`` are what the user agreed to; when the installation's grant grows beyond
    them the user is asked again.
    """

    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="user_authorizations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "user"], name="installations_user_authorization_unique"
            )
        ]


class InstallationEvent(models.Model):
    """One thing that happened to an installation: who, when, what. Append-only."""

    class Kind(models.TextChoices):
        INSTALLED = "installed", "Installed"
        UPDATED = "updated", "Updated"
        ACCESS_CHANGED = "access_changed", "Access changed"
        SETTINGS_CHANGED = "settings_changed", "Settings changed"
        USER_AUTHORIZED = "user_authorized", "User authorized"
        UNINSTALL_REQUESTED = "uninstall_requested", "Uninstall requested"
        PINNED = "pinned", "Pinned to its version"
        UNPINNED = "unpinned", "Unpinned"
        UPDATE_NEEDS_APPROVAL = "update_needs_approval", "Update needs approval"
        REAUTHORIZE_STARTED = "reauthorize_started", "Reauthorization started"
        # Written by the connections context (through ``installation_event_record``).
        CONNECTION_SAVED = "connection_saved", "Connection parameters saved"
        CONNECTED = "connected", "Connected"
        RECONNECTED = "reconnected", "Reconnected"
        CONNECTION_NEEDS_RECONNECT = "connection_needs_reconnect", "Connection needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"
        CONNECTION_REFRESH_FAILED = "connection_refresh_failed", "Connection refresh failed"

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()
