"""Platform staff pages: background pipeline status and jobs."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.core.errors import ApplicationError
from apps.core.health import check_broker, check_database
from apps.jobs.kinds import diagnostic_start
from apps.jobs.models import Job
from apps.jobs.selectors import heartbeat_status, job_get_for_staff, sweeper_status
from apps.jobs.services import job_retry
from apps.lifecycle.services.purge import PURGE_HEARTBEAT
from console.access import StaffRequiredMixin, access_errors, request_actor
from console.jobs.pages import job_block_context
from console.system.changelists import job_changelist

# What the token purge's heartbeat counts, in the words of the status page.
PURGE_KINDS = {
    "revoked_refresh_tokens": "Revoked refresh tokens",
    "orphan_refresh_tokens": "Orphan refresh tokens",
    "idle_refresh_tokens": "Idle refresh tokens",
    "expired_access_tokens": "Expired access tokens",
    "expired_id_tokens": "Expired ID tokens",
    "expired_grants": "Expired authorization codes",
}


def _job_for_staff(job_id: int) -> Job:
    with access_errors():
        return job_get_for_staff(job_id=job_id)


def _job_context(job_id: int) -> dict[str, Any]:
    job = _job_for_staff(job_id)
    return job_block_context(
        job=job,
        progress_url=reverse("console:system:job-progress", kwargs={"job_id": job.pk}),
        retry_url=reverse("console:system:job-retry", kwargs={"job_id": job.pk}),
    )


def purge_status() -> dict[str, Any]:
    """The token purge's last run for the status page: when, rows per kind, whether it
    caught up, how long it took, and whether it is late (three intervals without a run)."""
    status = heartbeat_status(
        name=PURGE_HEARTBEAT,
        interval=timedelta(seconds=settings.LIFECYCLE_PURGE_EVERY_SECONDS),
    )
    deleted = status.detail.get("deleted")
    counts = deleted if isinstance(deleted, dict) else {}
    return {
        "last_seen_at": status.last_seen_at,
        "late": status.late,
        "interval": status.interval,
        "deleted": [(PURGE_KINDS.get(name, name), count) for name, count in counts.items()],
        "total": status.detail.get("total"),
        "caught_up": status.detail.get("caught_up"),
        "seconds": status.detail.get("seconds"),
    }


class SystemStatusView(StaffRequiredMixin, TemplateView):
    """Heartbeat of worker and beat, the token purge's last run, database and broker
    readiness, and every job."""

    template_name = "console/system/status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "sweeper": sweeper_status(),
            "purge": purge_status(),
            "database": check_database(),
            "broker": check_broker(),
            "cl": job_changelist(self.request),
        }


class DiagnosticRunView(StaffRequiredMixin, View):
    """Send a diagnostic job through the whole pipeline and watch it on its page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        job = diagnostic_start(created_by=request.user)
        messages.success(request, f"Diagnostic job #{job.pk} is queued.")
        return redirect("console:system:job-detail", job_id=job.pk)


class JobDetailView(StaffRequiredMixin, TemplateView):
    template_name = "console/system/job_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return _job_context(kwargs["job_id"])


class JobProgressView(StaffRequiredMixin, TemplateView):
    """The progress block of the detail page alone, polled by htmx while unfinished."""

    template_name = "console/jobs/includes/job_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return _job_context(kwargs["job_id"])


class JobRetryView(StaffRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = _job_for_staff(job_id)
        try:
            job_retry(job=job, actor=request_actor(request))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Job #{job.pk} goes back to the queue.")
        return redirect("console:system:job-detail", job_id=job.pk)
