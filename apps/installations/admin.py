"""Django admin for platform staff: installations and their history, read only.

Installations change only through their services (consent, access, settings, uninstall),
so the admin shows them and never edits them. Secret setting values are never shown,
not even encrypted: a row says whether a secret is set and its mask.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.policies import secret_masked


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccessInline(ReadOnlyInline):
    model = InstallationAccess
    fields = ["role", "group"]
    readonly_fields = fields


class WebhookInline(ReadOnlyInline):
    model = WebhookSubscription
    fields = ["webhook_id", "event", "url"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = InstallationEvent
    fields = ["created_at", "kind", "actor_label", "detail"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]


@admin.register(Installation)
class InstallationAdmin(ReadOnlyAdmin):
    list_display = ["id", "app", "version_number", "account", "status", "installed_at"]
    list_filter = ["status"]
    search_fields = ["app__name", "account__slug", "account__name"]
    list_select_related = ["app", "version", "account"]
    fields = [
        "uid",
        "account",
        "app",
        "version",
        "status",
        "granted_scopes",
        "scopes_revision",
        "installed_by",
        "installed_at",
        "install_link",
        "uninstall_requested_at",
        "uninstall_requested_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [AccessInline, WebhookInline, EventInline]

    @admin.display(description="version", ordering="version__number")
    def version_number(self, installation: Installation) -> str:
        return installation.version.number


@admin.register(InstallationEvent)
class InstallationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "installation", "actor_label"]
    list_filter = ["kind"]
    search_fields = ["actor_label", "installation__app__name", "installation__account__slug"]
    list_select_related = ["installation__app", "installation__version", "installation__account"]
    fields = ["installation", "kind", "actor", "actor_label", "detail", "created_at"]
    readonly_fields = fields


@admin.register(SettingValue)
class SettingValueAdmin(ReadOnlyAdmin):
    list_display = ["key", "installation", "user", "shown_value", "updated_at"]
    search_fields = ["key", "installation__app__name", "installation__account__slug"]
    list_select_related = [
        "installation__app",
        "installation__version",
        "installation__account",
        "user",
    ]
    # ``secret`` is left out on purpose: not even the ciphertext is shown.
    fields = [
        "installation",
        "key",
        "user",
        "shown_value",
        "file_name",
        "file_size",
        "updated_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="value")
    def shown_value(self, row: SettingValue) -> str:
        if row.secret:
            return f"secret set: {secret_masked(row.secret_hint)}"
        if row.file:
            return f"file: {row.file_name}"
        return "" if row.value is None else repr(row.value)


@admin.register(UserAuthorization)
class UserAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["user", "installation", "created_at", "updated_at"]
    search_fields = ["user__email", "installation__app__name"]
    list_select_related = ["user", "installation__app", "installation__version"]
    fields = ["installation", "user", "scopes", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["webhook_id", "event", "installation", "url"]
    search_fields = ["webhook_id", "event", "installation__app__name"]
    list_select_related = ["installation__app", "installation__version", "installation__account"]
    fields = ["installation", "webhook_id", "event", "url", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(InstallationAccess)
class InstallationAccessAdmin(ReadOnlyAdmin):
    list_display = ["installation", "role", "group"]
    list_select_related = [
        "installation__app",
        "installation__version",
        "installation__account",
        "role",
        "group",
    ]
    fields = ["installation", "role", "group"]
    readonly_fields = fields
