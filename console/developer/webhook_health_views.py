"""Enabling a disabled webhook subscription again from the app's Webhooks page, with the
offer to send again what failed since it began failing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View

from apps.core.errors import ApplicationError
from apps.webhooks.selectors import subscription_health_get_for_app
from apps.webhooks.services import subscription_enable
from console.access import access_errors
from console.developer.app_views import AppMixin


def enabled_message(request: HttpRequest, job_id: int | None) -> None:
    if job_id is None:
        messages.success(request, "Enabled: new changes are delivered to it again.")
    else:
        messages.success(
            request,
            "Enabled: new changes are delivered to it again, and what failed meanwhile is "
            "being sent again (follow the job on the Jobs page).",
        )


class AppWebhookSubscriptionEnableView(AppMixin, View):
    """POST: enable the subscription (``replay`` ticked: replay its failed deliveries)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, code: str, subscription_id: int) -> HttpResponse:
        try:
            with access_errors():
                health = subscription_health_get_for_app(
                    app=self.app, subscription_id=subscription_id
                )
            job = subscription_enable(
                health=health, actor=self.actor, replay=bool(request.POST.get("replay"))
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            enabled_message(request, job.pk if job else None)
        return redirect("console:developer:app-webhooks", code=self.app.code)
