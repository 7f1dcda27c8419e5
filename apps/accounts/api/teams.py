"""Account administration API, roles and groups: ``/roles``, ``/groups``, and the
account's history at ``/account/history``. For the account's admins and API keys."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.accounts.api.serializers import (
    AccountEventOutput,
    GroupInput,
    GroupOutput,
    RoleInput,
    RoleOutput,
)
from apps.accounts.selectors import (
    account_event_list_for,
    group_get_for,
    group_list_for,
    role_get_for,
    role_list_for,
)
from apps.accounts.services import (
    group_create,
    group_delete,
    group_rename,
    role_create,
    role_delete,
    role_update,
)
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response
from apps.core.errors import ValidationFailed

ROLES = ["roles"]
GROUPS = ["groups"]
REASSIGN = OpenApiParameter(
    "reassign_to",
    int,
    required=False,
    description="Another role (group) of the account that takes over every use: members, "
    "open invitations and the access of installed apps. Needed while it is in use.",
)


def _reassign_to(request: Request) -> str | None:
    raw = request.query_params.get("reassign_to", "").strip()
    if raw and not raw.isdigit():
        raise ValidationFailed(
            "Unknown replacement.", fields={"reassign_to": [f"{raw!r} is not an id."]}
        )
    return raw or None


class RoleListApi(APIView):
    @extend_schema(
        operation_id="roles_list",
        summary="The account's roles",
        description="Each with its level on every module and how many members have it; "
        "the ids are what `/installations/{id}/access` and `/members` take.",
        parameters=PAGE_PARAMETERS,
        responses=page_of(RoleOutput),
        tags=ROLES,
    )
    def get(self, request: Request) -> Response:
        roles = role_list_for(actor=account_actor(request))
        return paginated_response(request=request, view=self, queryset=roles, serializer=RoleOutput)

    @extend_schema(
        summary="Create a role",
        request=RoleInput,
        responses={201: RoleOutput},
        examples=[
            OpenApiExample(
                "Support", value={"name": "Support", "rights": {"crm": "read", "task": "full"}}
            )
        ],
        tags=ROLES,
    )
    def post(self, request: Request) -> Response:
        actor = account_actor(request)
        data = RoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        role = role_create(
            actor=actor,
            name=data.validated_data.get("name", ""),
            rights=data.validated_data.get("rights", {}),
        )
        body = RoleOutput(role_get_for(actor=actor, role_id=role.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class RoleDetailApi(APIView):
    @extend_schema(summary="One role", responses=RoleOutput, tags=ROLES)
    def get(self, request: Request, role_id: int) -> Response:
        return Response(
            RoleOutput(role_get_for(actor=account_actor(request), role_id=role_id)).data
        )

    @extend_schema(
        summary="Rename a role or change its rights",
        description="`rights` replaces the map (a module left out is none). Members with "
        "the role have the new rights from their next request on, app tokens included.",
        request=RoleInput,
        responses=RoleOutput,
        tags=ROLES,
    )
    def patch(self, request: Request, role_id: int) -> Response:
        actor = account_actor(request)
        role = role_get_for(actor=actor, role_id=role_id)
        data = RoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        role_update(
            actor=actor,
            role=role,
            name=data.validated_data.get("name"),
            rights=data.validated_data.get("rights"),
        )
        return Response(RoleOutput(role_get_for(actor=actor, role_id=role_id)).data)

    @extend_schema(
        summary="Delete a role",
        description="409 `role_in_use` while members, open invitations or an app's access "
        "use it, unless `?reassign_to=` names the role that takes over.",
        parameters=[REASSIGN],
        responses={204: None},
        tags=ROLES,
    )
    def delete(self, request: Request, role_id: int) -> Response:
        actor = account_actor(request)
        role = role_get_for(actor=actor, role_id=role_id)
        role_delete(actor=actor, role=role, reassign_to_id=_reassign_to(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupListApi(APIView):
    @extend_schema(
        operation_id="groups_list",
        summary="The account's groups",
        parameters=PAGE_PARAMETERS,
        responses=page_of(GroupOutput),
        tags=GROUPS,
    )
    def get(self, request: Request) -> Response:
        groups = group_list_for(actor=account_actor(request))
        return paginated_response(
            request=request, view=self, queryset=groups, serializer=GroupOutput
        )

    @extend_schema(
        summary="Create a group", request=GroupInput, responses={201: GroupOutput}, tags=GROUPS
    )
    def post(self, request: Request) -> Response:
        actor = account_actor(request)
        data = GroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        group = group_create(actor=actor, name=data.validated_data["name"])
        body = GroupOutput(group_get_for(actor=actor, group_id=group.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class GroupDetailApi(APIView):
    @extend_schema(summary="One group", responses=GroupOutput, tags=GROUPS)
    def get(self, request: Request, group_id: int) -> Response:
        group = group_get_for(actor=account_actor(request), group_id=group_id)
        return Response(GroupOutput(group).data)

    @extend_schema(summary="Rename a group", request=GroupInput, responses=GroupOutput, tags=GROUPS)
    def patch(self, request: Request, group_id: int) -> Response:
        actor = account_actor(request)
        group = group_get_for(actor=actor, group_id=group_id)
        data = GroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        group_rename(actor=actor, group=group, name=data.validated_data["name"])
        return Response(GroupOutput(group_get_for(actor=actor, group_id=group_id)).data)

    @extend_schema(
        summary="Delete a group",
        description="409 `group_in_use` while members, open invitations or an app's access "
        "use it, unless `?reassign_to=` names the group that takes over (its members join "
        "that group).",
        parameters=[REASSIGN],
        responses={204: None},
        tags=GROUPS,
    )
    def delete(self, request: Request, group_id: int) -> Response:
        actor = account_actor(request)
        group = group_get_for(actor=actor, group_id=group_id)
        group_delete(actor=actor, group=group, reassign_to_id=_reassign_to(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountEventListApi(APIView):
    @extend_schema(
        operation_id="account_history_list",
        summary="The account's history",
        description="Every change to members, invitations, roles and groups, newest first: "
        "`kind`, `actor` (an e-mail or `API key mpk_…`), `at`, `target`, `detail`.",
        parameters=PAGE_PARAMETERS,
        responses=page_of(AccountEventOutput),
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request,
            view=self,
            queryset=account_event_list_for(actor=account_actor(request)),
            serializer=AccountEventOutput,
        )
