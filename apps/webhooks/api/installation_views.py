"""The webhooks API of an account's admins: the health of each webhook subscription of an
installed app, and enabling a disabled one again, as the installed app's console page.

Who may call: as the installations API (``installation_get_for``): an admin of the acting
account (session; ``X-Account`` picks the account) or an API key of the account. Members
without admin get 403; an installation of another account is 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response, query_choice
from apps.installations.selectors import installation_get_for
from apps.webhooks.api.views import ENABLE_DOC, EnabledOutput, EnableInput, enabled_response
from apps.webhooks.models import SubscriptionHealth
from apps.webhooks.selectors import (
    subscription_get_for_installation,
    subscription_list_for_installation,
)
from apps.webhooks.services import installation_subscription_enable

TAGS = ["webhooks"]
HEALTH = (
    "`healthy`, `at_risk` (failing for 24 hours with no success: the app's developers "
    "are told) or `disabled` (failing for 5 days with no success: no new deliveries, "
    "until enabled again)."
)


class InstallationSubscriptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    webhook = serializers.CharField(source="webhook_id", help_text="The manifest's id.")
    event = serializers.CharField()
    url = serializers.CharField()
    health = serializers.CharField(source="health_state", help_text=HEALTH)
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="The first failure since the last success; null: none."
    )
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_failure_at = serializers.DateTimeField(allow_null=True)
    at_risk_at = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)
    enabled_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was last enabled again after being disabled."
    )


SUBSCRIPTION_EXAMPLE = {
    "id": 41,
    "webhook": "invoice-updated",
    "event": "fin.invoices.updated",
    "url": "https://invoicer.example.com/hooks/invoices",
    "health": "disabled",
    "failing_since": "2025-05-02T09:14:03Z",
    "last_success_at": "2025-05-02T08:59:41Z",
    "last_failure_at": "2025-05-07T09:10:12Z",
    "at_risk_at": "2025-05-03T09:15:00Z",
    "disabled_at": "2025-05-07T09:15:00Z",
    "enabled_at": None,
}
SUBSCRIPTION_PATH = [OpenApiParameter("subscription_id", int, OpenApiParameter.PATH)]
STATES = tuple(SubscriptionHealth.State.values)


class InstallationSubscriptionListApi(APIView):
    @extend_schema(
        operation_id="installations_webhooks_list",
        summary="The installed app's webhook subscriptions and their health",
        description="Each subscription of the installed app, in its manifest's id order, "
        f"with its health: {HEALTH} `?health=` narrows to one.",
        parameters=[
            OpenApiParameter("health", str, enum=list(STATES), required=False),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(InstallationSubscriptionOutput),
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        installation = installation_get_for(
            actor=account_actor(request), installation_id=installation_id
        )
        state = query_choice(request, "health", STATES)
        return paginated_response(
            request=request,
            view=self,
            queryset=subscription_list_for_installation(
                installation_id=installation.pk, state=state or None
            ),
            serializer=InstallationSubscriptionOutput,
        )


class InstallationSubscriptionDetailApi(APIView):
    @extend_schema(
        operation_id="installations_webhooks_retrieve",
        summary="One webhook subscription of the installed app and its health",
        parameters=SUBSCRIPTION_PATH,
        responses=InstallationSubscriptionOutput,
        examples=[OpenApiExample("Disabled", value=SUBSCRIPTION_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int, subscription_id: int) -> Response:
        installation = installation_get_for(
            actor=account_actor(request), installation_id=installation_id
        )
        sub = subscription_get_for_installation(
            installation_id=installation.pk, subscription_id=subscription_id
        )
        return Response(InstallationSubscriptionOutput(sub).data)


class InstallationWebhookEnableApi(APIView):
    @extend_schema(
        operation_id="installations_webhooks_enable",
        summary="Enable a disabled webhook subscription of an installed app",
        description=f"For the account's admins. {ENABLE_DOC} 409 `not_active` while the "
        "app is being uninstalled, `app_deleting` while its developer deletes it.",
        parameters=SUBSCRIPTION_PATH,
        request=EnableInput,
        responses=EnabledOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int, subscription_id: int) -> Response:
        actor = account_actor(request)
        installation = installation_get_for(actor=actor, installation_id=installation_id)
        given = EnableInput(data=request.data)
        given.is_valid(raise_exception=True)
        health, job = installation_subscription_enable(
            installation=installation,
            subscription_id=subscription_id,
            actor=actor,
            replay=given.validated_data["replay"],
        )
        return enabled_response(health, job)
