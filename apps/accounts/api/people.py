"""Account administration API, people: ``/members`` and ``/invitations``. For the
account's admins (session) and its API keys; every change is in the account's history."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.accounts.api.serializers import (
    InvitationCreateInput,
    InvitationOutput,
    MemberOutput,
    MemberUpdateInput,
)
from apps.accounts.selectors import (
    invitation_get_for,
    invitation_list_for,
    member_get_for,
    member_list_for,
)
from apps.accounts.services import (
    UNSET,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    membership_remove,
    membership_update,
)
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response, query_choice

MEMBERS = ["members"]
INVITATIONS = ["invitations"]


def invitation_link(request: Request) -> Any:
    """The absolute address of the console page that accepts an invitation."""

    def link(token: str) -> str:
        path = reverse("console:accounts:invitation-accept", kwargs={"token": token})
        return request.build_absolute_uri(path)

    return link


class MemberListApi(APIView):
    @extend_schema(
        operation_id="members_list",
        summary="The account's members",
        description="With role, groups and rights; `id` is the user's id. `?search=` "
        "(e-mail or name), `?active=yes|no`.",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("search", str, required=False),
            OpenApiParameter("active", str, enum=["yes", "no"], required=False),
        ],
        responses=page_of(MemberOutput),
        tags=MEMBERS,
    )
    def get(self, request: Request) -> Response:
        members = member_list_for(actor=account_actor(request))
        search = request.query_params.get("search", "").strip()
        if search:
            members = members.filter(
                Q(user__email__icontains=search) | Q(user__full_name__icontains=search)
            )
        active = query_choice(request, "active", ("yes", "no"))
        if active:
            members = members.filter(is_active=active == "yes")
        return paginated_response(
            request=request, view=self, queryset=members, serializer=MemberOutput
        )


class MemberDetailApi(APIView):
    @extend_schema(summary="One member", responses=MemberOutput, tags=MEMBERS)
    def get(self, request: Request, user_id: int) -> Response:
        return Response(
            MemberOutput(member_get_for(actor=account_actor(request), user_id=user_id)).data
        )

    @extend_schema(
        summary="Change a member",
        description="Any of `role` (an id, or null), `groups` (ids; replaces them), "
        "`is_admin`, `is_developer`, `is_active` (false deactivates: the member is shut "
        "out and their app tokens on the account are refused at once). The account's "
        "last active admin cannot lose the right or be deactivated (409 `last_admin`).",
        request=MemberUpdateInput,
        responses=MemberOutput,
        examples=[OpenApiExample("Support role", value={"role": 4, "groups": [2]})],
        tags=MEMBERS,
    )
    def patch(self, request: Request, user_id: int) -> Response:
        actor = account_actor(request)
        membership = member_get_for(actor=actor, user_id=user_id)
        data = MemberUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        membership_update(
            actor=actor,
            membership=membership,
            role_id=given.get("role", UNSET),
            group_ids=given.get("groups", UNSET),
            is_admin=given.get("is_admin", UNSET),
            is_developer=given.get("is_developer", UNSET),
            is_active=given.get("is_active", UNSET),
        )
        return Response(MemberOutput(member_get_for(actor=actor, user_id=user_id)).data)

    @extend_schema(
        summary="Remove a member from the account",
        description="Their membership goes (their user stays); their app tokens on the "
        "account are refused at once. 409 `last_admin` for the last active admin.",
        responses={204: None},
        tags=MEMBERS,
    )
    def delete(self, request: Request, user_id: int) -> Response:
        actor = account_actor(request)
        membership_remove(actor=actor, membership=member_get_for(actor=actor, user_id=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(APIView):
    @extend_schema(
        operation_id="invitations_list",
        summary="The account's invitations",
        description="Newest first, with their status: pending, expired, accepted, revoked.",
        parameters=PAGE_PARAMETERS,
        responses=page_of(InvitationOutput),
        tags=INVITATIONS,
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request,
            view=self,
            queryset=invitation_list_for(actor=account_actor(request)),
            serializer=InvitationOutput,
        )

    @extend_schema(
        summary="Invite a person by e-mail",
        description="E-mails a link that expires (7 days by default) and works for this "
        "address only; accepting makes the person a member with the role, groups and "
        "rights given. 409 `already_member` or `already_invited`.",
        request=InvitationCreateInput,
        responses={201: InvitationOutput},
        examples=[
            OpenApiExample(
                "Sales rep", value={"email": "ana@acme.test", "role": 3}, request_only=True
            )
        ],
        tags=INVITATIONS,
    )
    def post(self, request: Request) -> Response:
        data = InvitationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        invitation = invitation_create(
            actor=account_actor(request),
            email=given["email"],
            link_for=invitation_link(request),
            role_id=given.get("role"),
            group_ids=given["groups"],
            is_admin=given["is_admin"],
            is_developer=given["is_developer"],
        )
        return Response(InvitationOutput(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailApi(APIView):
    @extend_schema(summary="One invitation", responses=InvitationOutput, tags=INVITATIONS)
    def get(self, request: Request, invitation_id: int) -> Response:
        invitation = invitation_get_for(actor=account_actor(request), invitation_id=invitation_id)
        return Response(InvitationOutput(invitation).data)


class InvitationResendApi(APIView):
    @extend_schema(
        summary="Send an invitation again",
        description="A new link (the old one stops working) that expires a full lifetime "
        "from now; for a pending or expired invitation, else 409 `invitation_gone`.",
        request=None,
        responses=InvitationOutput,
        tags=INVITATIONS,
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        actor = account_actor(request)
        invitation = invitation_get_for(actor=actor, invitation_id=invitation_id)
        invitation = invitation_resend(
            actor=actor, invitation=invitation, link_for=invitation_link(request)
        )
        return Response(InvitationOutput(invitation).data)


class InvitationRevokeApi(APIView):
    @extend_schema(
        summary="Revoke an invitation",
        description="Its link stops working at once. Revoking twice changes nothing; an "
        "accepted invitation is 409 `invitation_gone`.",
        request=None,
        responses=InvitationOutput,
        tags=INVITATIONS,
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        actor = account_actor(request)
        invitation = invitation_get_for(actor=actor, invitation_id=invitation_id)
        return Response(
            InvitationOutput(invitation_revoke(actor=actor, invitation=invitation)).data
        )
