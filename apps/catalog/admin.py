"""Staff view of the catalog. Read-mostly: apps, versions and links are created and moved
through the console or the API, whose services keep the state machine and the history."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.catalog.models import App, AppBanner, AppVersion, InstallLink, VersionEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(App)
class AppAdmin(ReadOnlyAdmin):
    list_display = ["name", "account", "type", "status", "is_listed", "code", "created_at"]
    list_filter = ["type", "status", "is_listed"]
    search_fields = ["name", "code", "account__slug"]
    list_select_related = ["account"]


@admin.register(AppBanner)
class AppBannerAdmin(ReadOnlyAdmin):
    list_display = ["app", "position", "image"]
    list_select_related = ["app"]


class VersionEventInline(admin.TabularInline):
    model = VersionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor_label", "from_status", "to_status", "reason"]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AppVersion)
class AppVersionAdmin(ReadOnlyAdmin):
    list_display = ["app", "number", "status", "submitted_at", "published_at"]
    list_filter = ["status", "app__type"]
    search_fields = ["app__name", "number"]
    list_select_related = ["app"]
    inlines = [VersionEventInline]


@admin.register(VersionEvent)
class VersionEventAdmin(ReadOnlyAdmin):
    list_display = ["version", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["to_status"]
    list_select_related = ["version__app"]


@admin.register(InstallLink)
class InstallLinkAdmin(ReadOnlyAdmin):
    list_display = ["display_prefix", "version", "label", "expires_at", "revoked_at"]
    exclude = ["token_hash"]
    list_select_related = ["version__app"]
