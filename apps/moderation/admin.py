from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.moderation.models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews are written by the moderation queue's services."""

    list_display = ["version", "moderator_label", "claimed_at", "decision", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["version__app__name", "moderator_label"]
    list_select_related = ["version__app"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
