"""The account admin enables a disabled webhook subscription of an installed app again,
optionally sending again what failed since it began failing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.views import View

from apps.core.errors import ApplicationError
from apps.webhooks.services import installation_subscription_enable
from console.access import access_errors
from console.developer.webhook_health_views import enabled_message
from console.installations.views.common import InstallationMixin, installation_url


class InstallationWebhookEnableView(InstallationMixin, View):
    """POST: enable the subscription (``replay`` ticked: replay its failed deliveries),
    back to the installed app's page."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        try:
            with access_errors():
                _health, job = installation_subscription_enable(
                    installation=self.installation,
                    subscription_id=kwargs["subscription_id"],
                    actor=self.actor,
                    replay=bool(self.request.POST.get("replay")),
                )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
        else:
            enabled_message(self.request, job.pk if job else None)
        return redirect(installation_url(self.installation) + "#installation-webhooks")
