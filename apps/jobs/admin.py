from django.contrib import admin

from apps.jobs.models import Heartbeat, Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "state",
        "target",
        "progress_done",
        "progress_total",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["target", "kind"]
    list_select_related = ["account"]
    readonly_fields = [
        "lease_token",
        "lease_expires_at",
        "enqueued_at",
        "started_at",
        "finished_at",
        "created_at",
        "updated_at",
    ]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "last_seen_at"]
