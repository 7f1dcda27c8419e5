"""Developer API: apps, their listing and images, and their OAuth credentials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.db import transaction
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.actors import Actor
from apps.accounts.api.context import request_actor
from apps.catalog.api import serializers as out
from apps.catalog.api.developer.common import (
    _app,
    _app_body,
    _only,
    developer_actor,
)
from apps.catalog.models import App, AppStatus, AppType
from apps.catalog.selectors import (
    app_get_for_developer,
    app_list_for_developer,
)
from apps.catalog.services import (
    LISTING_FIELDS,
    app_activate,
    app_create,
    app_credentials_rotate,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_listing_update,
    app_rename,
    app_unlist,
)
from apps.core.api import paginated_response, query_choice
from apps.jobs.kinds import APP_DELETE
from apps.jobs.selectors import job_latest_by_payload

# --- apps ------------------------------------------------------------------------------------

APP_EXAMPLE = {
    "code": "0b7c64ce-3f5e-4d4b-a1c4-4b7c2d8e9f10",
    "name": "Invoicer",
    "type": "public",
    "status": "active",
    "listed": False,
    "summary": "Invoices from deals in one click.",
    "description": "",
    "support_email": "help@invoicer.example.com",
    "support_url": "",
    "logo_url": None,
    "client_id": "mR2b0n8c1c7e0xk2QfL9",
    "credentials_rotated_at": None,
    "version_count": 1,
    "pending_count": 0,
    "latest_number": "1.0.0",
    "published_number": None,
    "listing_problems": {"versions": ["Publish a version first (after moderation approves it)."]},
    "created_at": "2026-03-01T09:30:00Z",
    "updated_at": "2026-03-01T09:30:00Z",
    "deleting_at": None,
    "deletion_job": None,
}


def _app_page(request: Request, actor: Actor) -> Any:
    """A serializer for one page of apps that reads the deletion jobs of the page's
    deleting apps in one query, whatever the page size."""

    def make(page: Sequence[App], many: bool = True) -> out.AppOutput:
        jobs = job_latest_by_payload(
            account_id=actor.account.pk,
            kind=APP_DELETE,
            key="app_id",
            values=[app.pk for app in page if app.status == AppStatus.DELETING],
        )
        return out.AppOutput(page, many=many, context={"request": request, "deletion_jobs": jobs})

    return make


class AppListApi(APIView):
    @extend_schema(
        operation_id="apps_list",
        summary="The account's apps",
        parameters=[
            OpenApiParameter("search", description="Part of the name.", required=False),
            OpenApiParameter("type", enum=list(AppType.values), required=False),
            OpenApiParameter("status", enum=list(AppStatus.values), required=False),
            OpenApiParameter("listed", enum=["yes", "no"], required=False),
            *out.PAGE_PARAMETERS,
        ],
        responses=out.page_of(out.AppOutput),
        tags=["apps"],
    )
    def get(self, request: Request) -> Response:
        actor = developer_actor(request)
        qs = app_list_for_developer(account=actor.account).order_by("name", "pk")
        search = request.query_params.get("search", "").strip()
        if search:
            qs = qs.filter(name__icontains=search)
        if kind := query_choice(request, "type", tuple(AppType.values)):
            qs = qs.filter(type=kind)
        if state := query_choice(request, "status", tuple(AppStatus.values)):
            qs = qs.filter(status=state)
        if listed := query_choice(request, "listed", ("yes", "no")):
            qs = qs.filter(is_listed=listed == "yes")
        return paginated_response(
            request=request,
            view=self,
            queryset=qs,
            serializer=_app_page(request, actor),
        )

    @extend_schema(
        summary="Create an app",
        description="The answer holds the OAuth client secret, once: store it now. Only its "
        "hash is kept; rotate it to get a new one.",
        request=out.AppCreateInput,
        responses={201: out.AppCreatedOutput},
        examples=[
            OpenApiExample(
                "Create", value={"name": "Invoicer", "type": "public"}, request_only=True
            ),
            OpenApiExample(
                "Created",
                value={
                    **APP_EXAMPLE,
                    "credentials": {
                        "client_id": "mR2b0n8c1c7e0xk2QfL9",
                        "client_secret": "shown-once-Jx0dV2...",
                    },
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
        tags=["apps"],
    )
    def post(self, request: Request) -> Response:
        actor = developer_actor(request)
        data = out.AppCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        app, secret = app_create(
            account=actor.account,
            name=data.validated_data["name"],
            type=data.validated_data["type"],
            actor=request_actor(request),
        )
        fresh = app_get_for_developer(account=actor.account, code=app.code)
        body = out.AppCreatedOutput(
            fresh, context={"request": request, "client_secret": secret}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class AppDetailApi(APIView):
    @extend_schema(
        summary="One app",
        responses=out.AppOutput,
        examples=[OpenApiExample("An app", value=APP_EXAMPLE, response_only=True)],
        tags=["apps"],
    )
    def get(self, request: Request, code: str) -> Response:
        _actor, app = _app(request, code)
        return Response(out.AppOutput(app, context={"request": request}).data)

    @extend_schema(
        summary="Rename the app or edit its listing",
        description="Send only the fields to change: `name`, `summary`, `description`, "
        "`support_email`, `support_url`. Listing edits never need moderation. A listed app "
        "must keep a summary, a description and a support contact.",
        request=out.AppUpdateInput,
        responses=out.AppOutput,
        examples=[
            OpenApiExample(
                "Listing",
                value={
                    "summary": "Invoices from deals in one click.",
                    "support_email": "help@invoicer.example.com",
                },
                request_only=True,
            )
        ],
        tags=["apps"],
    )
    def patch(self, request: Request, code: str) -> Response:
        actor, app = _app(request, code)
        data = _only(request.data, ("name", *LISTING_FIELDS))
        checked = out.AppUpdateInput(data=data)
        checked.is_valid(raise_exception=True)
        values = dict(checked.validated_data)
        with transaction.atomic():
            if "name" in values:
                app = app_rename(app=app, name=values.pop("name"))
            if values:
                app = app_listing_update(app=app, **values)
        return Response(_app_body(request, actor, app))

    @extend_schema(
        summary="Delete the app",
        description="At once the app is unlisted, cannot be installed and its tokens are "
        "refused; its status becomes `deleting` and nothing can change it any more. Removing "
        "it from the accounts that installed it is a background job: the answer's "
        "`deletion_job` gives its progress (accounts done of the total) and the URL to follow "
        "it at. Deleting twice changes nothing.",
        request=None,
        responses={202: out.AppOutput},
        tags=["apps"],
    )
    def delete(self, request: Request, code: str) -> Response:
        actor, app = _app(request, code)
        app = app_delete(app=app, actor=request_actor(request))
        return Response(_app_body(request, actor, app), status=status.HTTP_202_ACCEPTED)


class _AppActionApi(APIView):
    service: ClassVar[Any]

    def post(self, request: Request, code: str) -> Response:
        actor, app = _app(request, code)
        app = type(self).service(app=app)
        return Response(_app_body(request, actor, app))


def _app_action(summary: str, description: str) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses=out.AppOutput,
        tags=["apps"],
    )


@_app_action("Activate the app", "Installs, embedding and tokens work again. Idempotent.")
class AppActivateApi(_AppActionApi):
    service = app_activate


@_app_action(
    "Deactivate the app",
    "The app cannot be installed, is not embedded, and every token of it is refused from "
    "the next request. Idempotent.",
)
class AppDeactivateApi(_AppActionApi):
    service = app_deactivate


@_app_action(
    "List the app in the marketplace catalog",
    "Public apps only, active, with a published version, a summary, a description and a "
    "support contact; a 400 names each missing piece.",
)
class AppListInCatalogApi(_AppActionApi):
    service = app_list_in_catalog


@_app_action(
    "Hide the app from the marketplace catalog",
    "Accounts that installed it keep it. Idempotent.",
)
class AppUnlistApi(_AppActionApi):
    service = app_unlist


# --- credentials -----------------------------------------------------------------------------


class AppCredentialsApi(APIView):
    @extend_schema(
        summary="The app's OAuth client id",
        description="The secret is never shown again after creation or rotation.",
        responses=out.CredentialsOutput,
        tags=["apps"],
    )
    def get(self, request: Request, code: str) -> Response:
        _actor, app = _app(request, code)
        return Response(out.CredentialsOutput(app).data)


class AppCredentialsRotateApi(APIView):
    @extend_schema(
        summary="Rotate the app's client secret",
        description="The old secret stops working at once; the client id stays. The answer "
        "holds the new secret, once.",
        request=None,
        responses=out.NewCredentialsOutput,
        tags=["apps"],
    )
    def post(self, request: Request, code: str) -> Response:
        _actor, app = _app(request, code)
        secret = app_credentials_rotate(app=app)
        return Response({"client_id": app.oauth_application.client_id, "client_secret": secret})
