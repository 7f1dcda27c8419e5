"""The account's background jobs: list, a job's page with live progress, and retry.

Who sees which job is ``apps.jobs.selectors.job_list_for`` / ``job_get_for``: admins
every job of the account, developers its app deletions and rollouts, anyone the jobs they
started. A job outside that is a 404; retrying a job one sees without the right to retry
it (``apps.jobs.policies.job_can_retry``) is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.core.errors import ApplicationError
from apps.jobs.models import Job
from apps.jobs.policies import DEVELOPER_KINDS, job_can_retry
from apps.jobs.selectors import job_get_for
from apps.jobs.services import job_retry
from console.access import MemberRequiredMixin, access_errors
from console.jobs.changelists import job_changelist
from console.jobs.pages import job_block_context, job_next_link


def _retry_hint(job: Job) -> str:
    if job.kind in DEVELOPER_KINDS:
        return "An admin of this account, or a member with the developer right, can retry it."
    return "An admin of this account can retry it."


class _JobMixin(MemberRequiredMixin):
    def job_context(self, job_id: int) -> dict[str, Any]:
        with access_errors():
            job = job_get_for(actor=self.actor, job_id=job_id)
        may_retry = job_can_retry(self.actor, job=job)
        return job_block_context(
            job=job,
            progress_url=reverse("console:jobs:job-progress", kwargs={"job_id": job.pk}),
            retry_url=reverse("console:jobs:job-retry", kwargs={"job_id": job.pk})
            if may_retry
            else None,
            next_link=job_next_link(job=job, actor=self.actor),
            retry_hint="" if may_retry else _retry_hint(job),
            audience="account",
        )


class JobListView(MemberRequiredMixin, TemplateView):
    """The jobs of the account the member may see, newest first."""

    template_name = "console/jobs/job_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {"cl": job_changelist(self.request, actor=self.actor)}


class JobDetailView(_JobMixin, TemplateView):
    template_name = "console/jobs/job_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return self.job_context(kwargs["job_id"])


class JobProgressView(_JobMixin, TemplateView):
    """The progress block of the job's page alone, polled by htmx while unfinished."""

    template_name = "console/jobs/includes/job_progress.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return self.job_context(kwargs["job_id"])


class JobRetryView(MemberRequiredMixin, View):
    """Send a failed job back to the queue; it resumes from its recorded progress."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, job_id: int) -> HttpResponse:
        with access_errors():
            job = job_get_for(actor=self.actor, job_id=job_id, to_retry=True)
        try:
            job_retry(job=job, actor=self.actor)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Job #{job.pk} goes back to the queue.")
        return redirect("console:jobs:job-detail", job_id=job.pk)
