"""The webhooks API: the platform's public key (public), and for an app's developers its
signing secrets, their rotation, the delivery log and its subscriptions' health. An
account admin's endpoints about an installed app are in ``installation_views``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.api.pagination import PageNumberPagination
from apps.catalog.models import App
from apps.catalog.selectors import app_get_for
from apps.core.errors import ValidationFailed
from apps.webhooks.jobs import deliveries_replay_failed_start
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.selectors import (
    delivery_attempts,
    delivery_get_for_app,
    delivery_list_for_app,
    signing_secrets_for_developer,
    subscription_health_get_for_app,
    subscription_list_for_app,
    webhook_public_key,
)
from apps.webhooks.services import delivery_replay, signing_secret_rotate, subscription_enable


def _app(request: Request, code: str) -> App:
    return app_get_for(actor=account_actor(request), code=code)


class PublicKeyOutput(serializers.Serializer):
    algorithm = serializers.CharField()
    public_key = serializers.CharField(help_text="`whpk_` + base64 of the raw 32-byte key.")
    signature_version = serializers.CharField(help_text="`v1a` in `webhook-signature`.")


class SigningKeyApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The platform's webhook signing key",
        description="Verify the `v1a` signature of every delivery with it: no shared secret "
        "is needed. See docs/webhooks.md.",
        responses=PublicKeyOutput,
        tags=["webhooks"],
    )
    def get(self, request: Request) -> Response:
        return Response(PublicKeyOutput(webhook_public_key()).data)


class SecretOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="`whsec_...`: the `v1` HMAC key.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="null for the current secret; a rotated one signs until then."
    )


class SecretsOutput(serializers.Serializer):
    secrets = SecretOutput(many=True)


class AppWebhookSecretApi(APIView):
    @extend_schema(
        summary="The app's webhook signing secrets",
        description="The secrets that sign deliveries now: the current one first, then one "
        "rotated within the last 24 hours.",
        responses=SecretsOutput,
        tags=["webhooks"],
    )
    def get(self, request: Request, code: str) -> Response:
        app = _app(request, code)
        return Response(SecretsOutput({"secrets": signing_secrets_for_developer(app=app)}).data)


class AppWebhookSecretRotateApi(APIView):
    @extend_schema(
        summary="Rotate the app's webhook signing secret",
        description="A new secret signs at once; the previous one keeps signing beside it "
        "for 24 hours.",
        request=None,
        responses=SecretsOutput,
        tags=["webhooks"],
    )
    def post(self, request: Request, code: str) -> Response:
        actor = account_actor(request)
        app = app_get_for(actor=actor, code=code)
        signing_secret_rotate(app=app, actor=actor)
        return Response(SecretsOutput({"secrets": signing_secrets_for_developer(app=app)}).data)


class DeliveryOutput(serializers.Serializer):
    id = serializers.CharField(source="uid", help_text="The `webhook-id` header.")
    account = serializers.CharField(source="installation.account.slug")
    installation_id = serializers.IntegerField()
    webhook = serializers.CharField(source="webhook_id")
    event = serializers.CharField(source="event_type")
    event_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text="`pending`, `succeeded`, `failed` or `cancelled`.")
    attempts = serializers.IntegerField()
    replays = serializers.IntegerField(help_text="How many times it was sent again by hand.")
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    last_error_code = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    url = serializers.CharField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField()
    error_code = serializers.CharField()
    error = serializers.CharField()
    request_headers = serializers.DictField(child=serializers.CharField())
    response_body = serializers.CharField(help_text="The first 2 KB of the answer's body.")


class DeliveryDetailOutput(DeliveryOutput):
    body = serializers.CharField(help_text="The JSON body sent, exactly.")
    attempt_list = serializers.SerializerMethodField()

    def get_attempt_list(self, delivery: Delivery) -> list[dict[str, Any]]:
        return AttemptOutput(delivery_attempts(delivery=delivery), many=True).data  # type: ignore[return-value]


class DeliveryFilter(serializers.Serializer):
    account = serializers.CharField(required=False, help_text="An account's slug.")
    event = serializers.CharField(required=False, max_length=128)
    status = serializers.ChoiceField(choices=Delivery.Status.choices, required=False)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AppWebhookDeliveryListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = DeliveryOutput
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="The app's webhook deliveries",
        description="Every delivery of the app on every account it is installed on, newest "
        "first, filterable by account (slug), event, status and time (`since` included, "
        "`until` excluded).",
        parameters=[DeliveryFilter],
        tags=["webhooks"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Delivery]:
        app = _app(self.request, self.kwargs["code"])
        filters = DeliveryFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        return delivery_list_for_app(
            app=app,
            account_slug=given.get("account"),
            event_type=given.get("event"),
            status=given.get("status"),
            since=given.get("since"),
            until=given.get("until"),
        )


class AppWebhookDeliveryDetailApi(APIView):
    @extend_schema(
        summary="One webhook delivery with its attempts",
        responses=DeliveryDetailOutput,
        tags=["webhooks"],
        parameters=[OpenApiParameter("delivery_id", str, OpenApiParameter.PATH)],
    )
    def get(self, request: Request, code: str, delivery_id: str) -> Response:
        app = _app(request, code)
        delivery = delivery_get_for_app(app=app, delivery_id=delivery_id)
        return Response(DeliveryDetailOutput(delivery).data)


class AppWebhookDeliveryReplayApi(APIView):
    @extend_schema(
        summary="Send a delivery again",
        description="A delivery that succeeded or failed is sent again at once, with the "
        "same `webhook-id` and body (receivers deduplicate on the id) and a new round of "
        "retries. 409 for one still pending or cancelled.",
        request=None,
        responses={202: DeliveryOutput},
        tags=["webhooks"],
        parameters=[OpenApiParameter("delivery_id", str, OpenApiParameter.PATH)],
    )
    def post(self, request: Request, code: str, delivery_id: str) -> Response:
        actor = account_actor(request)
        app = app_get_for(actor=actor, code=code)
        delivery = delivery_get_for_app(app=app, delivery_id=delivery_id)
        delivery = delivery_replay(delivery=delivery, actor=actor)
        return Response(DeliveryOutput(delivery).data, status=202)


class ReplayFailedInput(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Deliveries created since then (ISO 8601).")
    account = serializers.CharField(required=False, help_text="Only this account (slug).")
    event = serializers.CharField(required=False, max_length=128, help_text="Only this event.")


class JobStartedOutput(serializers.Serializer):
    job = serializers.IntegerField(help_text="Follow it at `GET /api/v1/jobs/{id}`.")


class AppWebhookReplayFailedApi(APIView):
    @extend_schema(
        summary="Send every failed delivery again",
        description="Queues a job that sends again, with their own `webhook-id`s, every "
        "delivery of the app that failed and was created since `since` (of one account "
        "and one event when given). Its progress is a job's.",
        request=ReplayFailedInput,
        responses={202: JobStartedOutput},
        tags=["webhooks"],
    )
    def post(self, request: Request, code: str) -> Response:
        actor = account_actor(request)
        app = app_get_for(actor=actor, code=code)
        given = ReplayFailedInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        account_id = None
        if "account" in data:
            installed = app.installations.filter(account__slug=data["account"]).first()
            if installed is None:
                raise ValidationFailed(
                    "The app is not installed on this account.",
                    fields={"account": [f"No installation on {data['account']!r}."]},
                )
            account_id = installed.account_id
        job = deliveries_replay_failed_start(
            app=app,
            actor=actor,
            since=data["since"],
            account_id=account_id,
            event=data.get("event"),
        )
        return Response({"job": job.pk}, status=202)


class SubscriptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.CharField(source="installation.account.slug")
    installation_id = serializers.IntegerField()
    webhook = serializers.CharField(source="webhook_id")
    event = serializers.CharField()
    url = serializers.CharField()
    health = serializers.CharField(
        source="health_state",
        help_text="`healthy`, `at_risk` (failing for 24 hours with no success) or "
        "`disabled` (failing for 5 days: no new deliveries until enabled again).",
    )
    failing_since = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_failure_at = serializers.DateTimeField(allow_null=True)
    disabled_at = serializers.DateTimeField(allow_null=True)


class SubscriptionFilter(serializers.Serializer):
    health = serializers.ChoiceField(choices=SubscriptionHealth.State.choices, required=False)


class AppWebhookSubscriptionListApi(generics.ListAPIView):  # type: ignore[type-arg]
    serializer_class = SubscriptionOutput
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="The app's webhook subscriptions and their health",
        description="Every subscription of the app on every account it is installed on, "
        "the longest failing first, filterable by `health`.",
        parameters=[SubscriptionFilter],
        tags=["webhooks"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        app = _app(self.request, self.kwargs["code"])
        filters = SubscriptionFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return subscription_list_for_app(app=app, state=filters.validated_data.get("health"))


class EnableInput(serializers.Serializer):
    replay = serializers.BooleanField(
        default=False,
        help_text="Also send again the deliveries that failed since it began failing.",
    )


class EnabledOutput(serializers.Serializer):
    subscription = serializers.IntegerField()
    health = serializers.CharField()
    job = serializers.IntegerField(
        allow_null=True, help_text="The replay job, when asked: `GET /api/v1/jobs/{id}`."
    )


def enabled_response(health: SubscriptionHealth, job: Any) -> Response:
    body = {"subscription": health.subscription_id, "health": health.state, "job": job and job.pk}
    return Response(EnabledOutput(body).data)


ENABLE_DOC = (
    "A disabled subscription receives new deliveries again. With `replay`, a job sends "
    "again, with their own `webhook-id`s, its deliveries that failed since it began "
    "failing. 409 when it is not disabled."
)


class AppWebhookSubscriptionEnableApi(APIView):
    @extend_schema(
        summary="Enable a disabled webhook subscription",
        description=ENABLE_DOC,
        request=EnableInput,
        responses=EnabledOutput,
        tags=["webhooks"],
    )
    def post(self, request: Request, code: str, subscription_id: int) -> Response:
        actor = account_actor(request)
        app = app_get_for(actor=actor, code=code)
        given = EnableInput(data=request.data)
        given.is_valid(raise_exception=True)
        health = subscription_health_get_for_app(app=app, subscription_id=subscription_id)
        job = subscription_enable(health=health, actor=actor, replay=given.validated_data["replay"])
        return enabled_response(health, job)
