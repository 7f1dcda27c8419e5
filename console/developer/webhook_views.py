"""The app's Webhooks page for its developers: the signing secrets (rotatable, the old one
signing beside the new for a day), the platform's public key, and the delivery log with
its filters and each delivery's attempts."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.core.errors import ApplicationError
from apps.webhooks.models import Delivery
from apps.webhooks.selectors import (
    delivery_attempts,
    delivery_get_for_app,
    delivery_list_for_app,
    signing_secrets_for_developer,
    subscription_list_for_app,
    webhook_public_key,
)
from apps.webhooks.services import delivery_replay, signing_secret_rotate
from console.access import access_errors
from console.developer.app_views import AppMixin

PAGE_SIZE = 25


class AppWebhooksView(AppMixin, View):
    """GET: secrets, public key, and the deliveries filtered by ``status``, ``event`` and
    ``account`` (slug)."""

    template_name = "console/developer/app_webhooks.html"
    allow_deleting = True

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        status = request.GET.get("status", "")
        event = request.GET.get("event", "").strip()[:128]
        account = request.GET.get("account", "").strip()[:50]
        rows = delivery_list_for_app(
            app=self.app,
            account_slug=account or None,
            status=status if status in Delivery.Status.values else None,
            event_type=event or None,
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "app": self.app,
            "secrets": signing_secrets_for_developer(app=self.app),
            "unhealthy": list(subscription_list_for_app(app=self.app, unhealthy=True)[:50]),
            "public_key": webhook_public_key(),
            "page": page,
            "statuses": Delivery.Status.choices,
            "filters": {"status": status, "event": event, "account": account},
        }
        return render(request, self.template_name, context)


class AppWebhookDeliveryView(AppMixin, View):
    """One delivery of the app: the body sent and every attempt."""

    template_name = "console/developer/app_webhook_delivery.html"
    allow_deleting = True

    def get(self, request: HttpRequest, code: str, delivery_id: str) -> HttpResponse:
        with access_errors():
            delivery = delivery_get_for_app(app=self.app, delivery_id=delivery_id)
        context = {
            "app": self.app,
            "delivery": delivery,
            "attempts": list(delivery_attempts(delivery=delivery)),
        }
        return render(request, self.template_name, context)


class AppWebhookDeliveryReplayView(AppMixin, View):
    """POST: send the delivery again (same ``webhook-id``), back to its page."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, code: str, delivery_id: str) -> HttpResponse:
        with access_errors():
            delivery = delivery_get_for_app(app=self.app, delivery_id=delivery_id)
        try:
            delivery_replay(delivery=delivery, actor=self.actor)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                "Sent again with the same webhook-id; its attempts appear below as they are made.",
            )
        return redirect(
            "console:developer:app-webhook-delivery", code=self.app.code, delivery_id=delivery_id
        )


class AppWebhooksRotateView(AppMixin, View):
    """GET: what rotating the signing secret means; POST: rotate, back to the page."""

    template_name = "console/developer/app_webhooks_rotate.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return render(request, self.template_name, {"app": self.app})

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        signing_secret_rotate(app=self.app, actor=self.actor)
        messages.success(
            request,
            "New signing secret made: it signs from now on. The previous one keeps signing "
            "beside it for 24 hours; update your receivers before then.",
        )
        return redirect("console:developer:app-webhooks", code=self.app.code)
