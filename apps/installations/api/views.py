"""Installations API: the account's installed apps, uninstall, access, updates, pinning,
history.

Who may call: an admin of the acting account (session; ``X-Account`` picks the account)
or an API key of the account. Members without admin get 403; an installation of another
account is 404. Every write goes through one service of ``apps.installations.services``,
which writes all or nothing.

There is no install endpoint: installing grants an app access to the account's data, so
an admin consents in the browser (``/oauth/authorize/`` or the marketplace page).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.accounts.services import actor_require_admin
from apps.catalog.api.serializers import PAGE_PARAMETERS, page_of
from apps.core.api import paginated_response, query_choice
from apps.installations.api import serializers as out
from apps.installations.api.common import (
    admin_installation,
    installation_body,
)
from apps.installations.models import Installation, InstallationStatus
from apps.installations.selectors import (
    installation_access,
    installation_history,
    installation_list_for_account,
    installation_uninstall_job,
    installation_update_target,
)
from apps.installations.services import (
    installation_access_set,
    installation_check_installable,
    installation_pin,
    installation_uninstall,
    installation_update,
    installation_update_plan,
)

STATUSES = tuple(InstallationStatus.values)
TAGS = ["installations"]

INSTALLATION_EXAMPLE = {
    "id": 12,
    "app": {
        "code": "5b0c3c8e-0d7f-4a53-9b87-3f1f6c1c2a10",
        "name": "Invoicer",
        "publisher": {"name": "Dev Studio", "domain": "devstudio"},
    },
    "version": "1.0.0",
    "status": "active",
    "granted_scopes": [
        {"scope": "crm.accounts:read", "phrase": "View CRM accounts"},
        {"scope": "fin.invoices:full", "phrase": "View, create, change and delete invoices"},
    ],
    "installed_by": "admin@acme.test",
    "installed_at": "2025-05-02T09:14:03Z",
    "uninstall_requested_at": None,
    "access": {"roles": [{"id": 3, "name": "Sales"}], "groups": [], "admins_only": False},
    "webhooks": [
        {
            "id": "invoice-updated",
            "event": "fin.invoices.updated",
            "url": "https://invoicer.example.com/hooks/invoices",
        }
    ],
    "embeddings": [
        {
            "id": "menu",
            "location": "main_menu",
            "code": "app.home",
            "url": "https://invoicer.example.com/embed/home",
            "title": "Invoicer",
        }
    ],
    "update_available": {"number": "1.2.0", "changelog": "Recurring invoices."},
    "pinned": False,
    "pinned_at": None,
    "pending_update": {"version": "1.2.0", "new_scopes": ["users:read"]},
}


class InstallationListApi(APIView):
    @extend_schema(
        operation_id="installations_list",
        summary="The account's installed apps",
        description="Active installations and those being uninstalled, by app name. "
        "Installing is not an API call: an admin consents to the scopes in the browser.",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", enum=list(STATUSES), required=False),
        ],
        responses=page_of(out.InstallationOutput),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        account = actor_require_admin(actor=account_actor(request), api_keys=True)
        queryset = installation_list_for_account(account=account)
        status = query_choice(request, "status", STATUSES)
        if status:
            queryset = queryset.filter(status=status)
        return paginated_response(
            request=request, view=self, queryset=queryset, serializer=out.InstallationOutput
        )


class InstallationDetailApi(APIView):
    @extend_schema(
        operation_id="installations_retrieve",
        summary="One installed app",
        responses=out.InstallationOutput,
        examples=[OpenApiExample("Installed", value=INSTALLATION_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        return Response(installation_body(request, actor, installation.pk))


class InstallationUninstallApi(APIView):
    @extend_schema(
        summary="Uninstall the app",
        description="The installation becomes `uninstalling` at once: every token of the app "
        "for this account is refused from the next request, and its settings, files, "
        "webhooks and access rules are removed in the background by the job in `job` "
        "(follow its progress at `job.url`). 409 `not_active` when it is already being "
        "uninstalled.",
        request=None,
        responses=out.InstallationUninstallOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        installation_uninstall(installation=installation, actor=actor)
        return Response(
            installation_body(
                request,
                actor,
                installation.pk,
                serializer=out.InstallationUninstallOutput,
                job=installation_uninstall_job(installation=installation),
            )
        )


class _InstallationPinApi(APIView):
    pinned: bool

    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        installation_pin(
            installation=installation,
            pinned=self.pinned,
            actor=actor,
        )
        return Response(installation_body(request, actor, installation.pk))


class InstallationPinApi(_InstallationPinApi):
    pinned = True

    @extend_schema(
        operation_id="installations_pin",
        summary="Keep the app on its version",
        description="New versions the developer publishes are no longer installed "
        "automatically; an admin can still update by hand. Pinning a pinned installation "
        "changes nothing. 409 `not_active` while it is being uninstalled, `app_deleting` "
        "while its developer deletes the app.",
        request=None,
        responses=out.InstallationOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        return super().post(request, installation_id)


class InstallationUnpinApi(_InstallationPinApi):
    pinned = False

    @extend_schema(
        operation_id="installations_unpin",
        summary="Let new versions install automatically again",
        description="Catches up at once with the newest published version, as its rollout "
        "would have: installed when the installation's grant covers its access, otherwise "
        "waiting for an admin's approval (`pending_update`); later versions follow the same "
        "way. 409 `not_active` while it is being uninstalled, `app_deleting` while its "
        "developer deletes the app.",
        request=None,
        responses=out.InstallationOutput,
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        return super().post(request, installation_id)


def _access_body(installation: Installation) -> dict[str, Any]:
    access = installation_access(installation=installation)
    return {
        "everyone": access.everyone,
        "roles": [
            {"id": pk, "name": name}
            for pk, name in zip(access.role_ids, access.role_names, strict=True)
        ],
        "groups": [
            {"id": pk, "name": name}
            for pk, name in zip(access.group_ids, access.group_names, strict=True)
        ],
        "admins_only": access.admins_only,
    }


class InstallationAccessApi(APIView):
    @extend_schema(
        operation_id="installations_access_retrieve",
        summary="Who may use the app",
        description="Whether every member may use it, and the roles and groups whose "
        "members may; none of them: admins only.",
        responses=out.InstallationAccessOutput,
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        _actor, installation = admin_installation(request, installation_id)
        return Response(_access_body(installation))

    @extend_schema(
        operation_id="installations_access_update",
        summary="Choose who may use the app",
        description="Replaces the roles and groups (both lists are needed; empty lists "
        "and no `everyone`: admins only); `everyone: true` gives the app to every member. "
        "Ids of another account's roles or groups are refused by field. Members who lose "
        "access lose the use of their tokens from their next request.",
        request=out.InstallationAccessInput,
        responses=out.InstallationAccessOutput,
        examples=[OpenApiExample("Sales only", value={"roles": [3], "groups": []})],
        tags=TAGS,
    )
    def put(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        data = out.InstallationAccessInput(data=request.data)
        data.is_valid(raise_exception=True)
        installation_access_set(
            installation=installation,
            role_ids=data.validated_data["roles"],
            group_ids=data.validated_data["groups"],
            actor=actor,
            everyone=data.validated_data.get("everyone"),
        )
        installation.refresh_from_db()
        return Response(_access_body(installation))


class InstallationUpdateApi(APIView):
    @extend_schema(
        operation_id="installations_update_plan",
        summary="What updating to a version would change",
        description="The scopes before and after, what is added and removed, and whether "
        "the admin must consent again (`needs_consent`, with the scopes in `exceeding`).",
        parameters=[OpenApiParameter("version", description="e.g. 1.1.0", required=True)],
        responses=out.InstallationUpdatePlanOutput,
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        _actor, installation = admin_installation(request, installation_id)
        version = installation_update_target(
            installation=installation, number=request.query_params.get("version")
        )
        installation_check_installable(
            account=installation.account, version=version, installed=True
        )
        plan = installation_update_plan(installation=installation, version=version)
        return Response(out.plan_data(plan))

    @extend_schema(
        operation_id="installations_update",
        summary="Update the app to a newer version",
        description="Settings, files and access are kept; webhooks follow the new manifest. "
        "When the version asks for more than the installation granted, send `consent: true` "
        "after showing the new scopes (see the plan); without it the answer is 409 "
        "`consent_required` naming them under `fields.consent`. An unknown or older version "
        "is a 400 under `version`.",
        request=out.InstallationUpdateInput,
        responses=out.InstallationOutput,
        examples=[OpenApiExample("Update", value={"version": "1.1.0", "consent": True})],
        tags=TAGS,
    )
    def post(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        data = out.InstallationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = installation_update_target(
            installation=installation, number=data.validated_data["version"]
        )
        installation_update(
            installation=installation,
            version=version,
            actor=actor,
            consent=data.validated_data["consent"],
        )
        return Response(installation_body(request, actor, installation.pk))


class InstallationHistoryApi(APIView):
    @extend_schema(
        operation_id="installations_history",
        summary="What happened to the installation",
        description="Installed, updated, access and settings changes, user authorizations, "
        "uninstall: who and when, oldest first. Secret values never appear, only the keys "
        "of the settings that changed.",
        parameters=PAGE_PARAMETERS,
        responses=page_of(out.InstallationEventOutput),
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        _actor, installation = admin_installation(request, installation_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=installation_history(installation=installation),
            serializer=out.InstallationEventOutput,
        )
