"""The users module, as apps reach it with an OAuth token.

``GET /api/v1/users/me``: the token's user (scope ``users`` or ``user.me``).
``GET /api/v1/users``: the account's users (scope ``users`` and the user's own right to
read the users module).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Membership
from apps.api.app_api import AppApi
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response
from apps.modules.selectors import user_list_for_account
from apps.oauth.policies import AppToken


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    is_active = serializers.SerializerMethodField()
    is_admin = serializers.BooleanField()
    role = serializers.SerializerMethodField()
    language = serializers.CharField(source="account.language")

    def get_is_active(self, membership: Membership) -> bool:
        # A member works in the account while both their login and their membership are
        # active (an admin may deactivate a member and keep their place).
        return bool(membership.user.is_active and membership.is_active)

    def get_role(self, membership: Membership) -> str | None:
        return membership.role.name if membership.role is not None else None


def user_me_payload(token: AppToken) -> dict[str, Any]:
    """``UserOutput`` of the token's own membership, from the token as its check loaded
    it: the same body, without a query or a serializer."""
    membership = token.membership
    installation = token.installation
    assert membership is not None and installation is not None  # refused otherwise
    user = token.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "is_active": user.is_active,  # a token's membership is an active one
        "is_admin": membership.is_admin,
        "role": membership.role.name if membership.role is not None else None,
        "language": installation.account.language,
    }


class UserMeApi(AppApi):
    self_only = True

    @extend_schema(
        operation_id="users_me",
        tags=["App API: users"],
        responses={200: UserOutput, 401: OpenApiResponse(description="invalid_token")},
        summary="The user the access token acts for",
        description="Needs `users:read` or `user.me:read`.",
    )
    def get(self, request: Request) -> Response:
        return Response(user_me_payload(request.auth))


class UserListApi(AppApi):
    @extend_schema(
        operation_id="users_list",
        tags=["App API: users"],
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(UserOutput)},
        summary="The account's users",
        description=(
            "Needs `users:read` on the token and the installation, and the token user's own "
            "read right on the users module."
        ),
    )
    def get(self, request: Request, **kwargs: Any) -> Response:
        return paginated_response(
            request=request,
            view=self,
            queryset=user_list_for_account(account_id=request.auth.installation.account.pk),
            serializer=UserOutput,
        )
