"""An app's connection, for its developers: the client the outside service issued (the
secret write-only, never answered) and the last connection test of every installation
(outcomes only, never an answer or a value).

Who may call: a member of the app's account with the developer right, or an API key of
that account (``app_get_for``): 403 without the right, 404 for another account's app.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.catalog.api.serializers import PAGE_PARAMETERS, page_of
from apps.catalog.models import App
from apps.catalog.selectors import app_get_for
from apps.connections.api import serializers as out
from apps.connections.clients import outside_client_set
from apps.connections.selectors import connection_test_list_for_app, outside_client_shown
from apps.core.api import paginated_response

TAGS = ["connections"]


def _client_body(request: Request, app: App) -> Response:
    shown = outside_client_shown(app=app)
    body = {
        "client_id": shown.client_id if shown else None,
        "secret_set": shown is not None,
        "masked_secret": shown.masked_secret if shown else "",
        "updated_at": shown.updated_at if shown else None,
        "callback_url": request.build_absolute_uri(reverse("console:connection-callback")),
    }
    return Response(out.OutsideClientOutput(body).data)


class OutsideClientApi(APIView):
    @extend_schema(
        operation_id="apps_outside_client_retrieve",
        summary="The app's client at the outside service",
        description="The client id, whether a secret is stored (shown masked, never "
        "again in full) and the callback URL to register at the outside service.",
        responses=out.OutsideClientOutput,
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        app = app_get_for(actor=account_actor(request), code=code)
        return _client_body(request, app)

    @extend_schema(
        operation_id="apps_outside_client_update",
        summary="Set the app's client at the outside service",
        description="The client id and secret the outside service issued for the app, one "
        "for every version. The secret is write-only: leave it out (or empty) to keep the "
        "stored one. 400 `invalid` under `client_id` or `client_secret`; nothing saved.",
        request=out.OutsideClientInput,
        responses=out.OutsideClientOutput,
        examples=[
            OpenApiExample("Client", value={"client_id": "marketplace", "client_secret": "s3cr3t"})
        ],
        tags=TAGS,
    )
    def put(self, request: Request, code: str) -> Response:
        actor = account_actor(request)
        app = app_get_for(actor=actor, code=code)
        data = out.OutsideClientInput(data=request.data)
        data.is_valid(raise_exception=True)
        outside_client_set(
            app=app,
            client_id=data.validated_data["client_id"],
            client_secret=data.validated_data.get("client_secret", ""),
            actor=actor,
        )
        return _client_body(request, app)


class ConnectionTestListApi(APIView):
    @extend_schema(
        operation_id="apps_connection_tests_list",
        summary="The last connection test of every installation",
        description="Newest first: the account, the installed version, passed or failed, "
        "the answer's status, the latency, the failure code. Never the answer, a message "
        "or a parameter value.",
        parameters=PAGE_PARAMETERS,
        responses=page_of(out.TestAcrossOutput),
        tags=TAGS,
    )
    def get(self, request: Request, code: str) -> Response:
        app = app_get_for(actor=account_actor(request), code=code)
        return paginated_response(
            request=request,
            view=self,
            queryset=connection_test_list_for_app(app=app),
            serializer=out.TestAcrossOutput,
        )
