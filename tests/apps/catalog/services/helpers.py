"""Shared checks of the catalog service tests: a snapshot of every row a refused call
could have touched, and the history of a version as plain tuples."""

from typing import Any

from apps.catalog.models import App, AppBanner, AppVersion, InstallLink, VersionEvent
from apps.moderation.models import Review
from apps.oauth.models import Application


def catalog_rows() -> dict[str, Any]:
    """Every catalog row (and the OAuth clients behind apps), to compare before and after
    a call that must write nothing."""
    return {
        "apps": list(
            App.objects.order_by("pk").values_list(
                "pk",
                "name",
                "type",
                "status",
                "is_listed",
                "summary",
                "description",
                "support_email",
                "support_url",
                "logo",
                "deleting_at",
                "credentials_rotated_at",
                "updated_at",
            )
        ),
        "applications": list(
            Application.objects.order_by("pk").values_list(
                "pk", "name", "client_id", "client_secret", "is_suspended"
            )
        ),
        "banners": list(AppBanner.objects.order_by("pk").values_list("pk", "app_id", "image")),
        "versions": list(
            AppVersion.objects.order_by("pk").values_list(
                "pk",
                "number",
                "status",
                "manifest",
                "manifest_source",
                "changelog",
                "effective_scopes",
                "status_changed_at",
                "submitted_at",
                "published_at",
                "rejection_reason",
                "updated_at",
            )
        ),
        "events": list(VersionEvent.objects.order_by("pk").values_list("pk")),
        "links": list(
            InstallLink.objects.order_by("pk").values_list("pk", "revoked_at", "expires_at")
        ),
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk", "released_at", "decided_at", "decision", "reason", "checklist"
            )
        ),
    }


def history(version: AppVersion) -> list[tuple[str, str, str, str]]:
    """``(actor_label, from, to, reason)`` of each status change, oldest first."""
    return list(
        VersionEvent.objects.filter(version=version)
        .order_by("created_at", "pk")
        .values_list("actor_label", "from_status", "to_status", "reason")
    )
