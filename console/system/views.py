"""Platform staff pages: background pipeline status and jobs."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from apps.core.errors import ApplicationError
from apps.core.health import check_broker, check_database
from apps.jobs.kinds import diagnostic_start
from apps.jobs.models import Job
from apps.jobs.selectors import job_get_for_staff, sweeper_status
from apps.jobs.services import job_retry
from console.access import StaffRequiredMixin, access_errors
from console.system.changelists import job_changelist


def _job_for_staff(job_id: int) -> Job:
    with access_errors():
        return job_get_for_staff(job_id=job_id)


class SystemStatusView(StaffRequiredMixin, TemplateView):
    """Heartbeat of worker and beat, database and broker readiness, and every job."""

    template_name = "console/system/status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            "sweeper": sweeper_status(),
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
        return {"job": _job_for_staff(kwargs["job_id"])}


class JobProgressView(StaffRequiredMixin, TemplateView):
    """The progress block of the detail page alone, polled by htmx while unfinished."""

    template_name = "console/system/includes/job_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"job": _job_for_staff(kwargs["job_id"])}


class JobRetryView(StaffRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = _job_for_staff(job_id)
        try:
            job_retry(job=job, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Job #{job.pk} goes back to the queue.")
        return redirect("console:system:job-detail", job_id=job.pk)
