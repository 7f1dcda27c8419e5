"""The app's *Replay failed deliveries* page: every delivery that failed since a time (of
one account and one event type when chosen) sent again, with the same ``webhook-id``, by
the ``webhooks.replay_failed`` job, whose page shows its progress."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.webhooks.jobs import deliveries_replay_failed_start
from console.developer.app_views import AppMixin
from console.developer.webhook_forms import ReplayFailedForm


class AppWebhooksReplayFailedView(AppMixin, View):
    """GET: the form (since a day ago by default); POST: start the job and go to its page."""

    template_name = "console/developer/app_webhooks_replay_failed.html"

    def page(self, form: ReplayFailedForm, status: int = 200) -> HttpResponse:
        return render(
            self.request, self.template_name, {"app": self.app, "form": form}, status=status
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return self.page(ReplayFailedForm(app=self.app))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = ReplayFailedForm(request.POST, app=self.app)
        if not form.is_valid():
            return self.page(form, status=400)
        data = form.cleaned_data
        job = deliveries_replay_failed_start(
            app=self.app,
            actor=self.actor,
            since=data["since"],
            account_id=int(data["account"]) if data["account"] else None,
            event=data["event"] or None,
        )
        # No message: the job's page says what is happening in its live block.
        return redirect("console:jobs:job-detail", job_id=job.pk)
