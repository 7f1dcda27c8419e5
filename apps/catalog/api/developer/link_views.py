"""Developer API: install links of a version."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import request_actor
from apps.catalog.api import serializers as out
from apps.catalog.api.developer.common import (
    _version,
)
from apps.catalog.selectors import (
    install_link_get,
    install_link_list_for_version,
)
from apps.catalog.services import (
    install_link_create,
    install_link_revoke,
)
from apps.core.api import paginated_response

# --- install links ---------------------------------------------------------------------------


class InstallLinkListApi(APIView):
    @extend_schema(
        operation_id="apps_versions_install_links_list",
        summary="The version's install links",
        description="Never the token: it is shown only when the link is created.",
        parameters=out.PAGE_PARAMETERS,
        responses=out.page_of(out.InstallLinkOutput),
        tags=["install links"],
    )
    def get(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        return paginated_response(
            request=request,
            view=self,
            queryset=install_link_list_for_version(version=version),
            serializer=out.InstallLinkOutput,
        )

    @extend_schema(
        summary="Create an install link",
        description="A link that lets an admin of any account install this exact version, "
        "until it expires or you revoke it. The answer holds the token and the URL to send, "
        "once. Refused (409) for a rejected version or an inactive app.",
        request=out.InstallLinkCreateInput,
        responses={201: out.InstallLinkCreatedOutput},
        examples=[
            OpenApiExample(
                "Create", value={"label": "Beta testers", "expires_in_days": 14}, request_only=True
            )
        ],
        tags=["install links"],
    )
    def post(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        data = out.InstallLinkCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        link, token = install_link_create(
            version=version,
            label=data.validated_data["label"],
            expires_in_days=data.validated_data["expires_in_days"],
            actor=request_actor(request),
        )
        body = out.InstallLinkCreatedOutput(link, context={"request": request, "token": token}).data
        return Response(body, status=status.HTTP_201_CREATED)


class InstallLinkRevokeApi(APIView):
    @extend_schema(
        summary="Revoke an install link",
        description="The link stops working at once. Revoking twice changes nothing.",
        request=None,
        responses=out.InstallLinkOutput,
        tags=["install links"],
    )
    def post(self, request: Request, code: str, number: str, link_id: int) -> Response:
        version = _version(request, code, number)
        link = install_link_get(version=version, link_id=link_id)
        link = install_link_revoke(link=link, actor=request_actor(request))
        return Response(out.InstallLinkOutput(link).data)
