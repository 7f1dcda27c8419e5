"""Accounts API: the acting account, and account API keys."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import account_actor
from apps.accounts.models import Account, ApiKey
from apps.accounts.selectors import api_key_get, api_key_list_for_account
from apps.accounts.services import actor_require_admin, api_key_create, api_key_revoke
from apps.core.api import PAGE_PARAMETERS, page_of, paginated_response


class AccountOutput(serializers.ModelSerializer):
    domain = serializers.CharField(source="slug")

    class Meta:
        model = Account
        fields = ["id", "domain", "name", "language", "is_active"]


class AccountContextOutput(serializers.Serializer):
    account = AccountOutput()
    via = serializers.ChoiceField(choices=["session", "api_key"])
    is_admin = serializers.BooleanField()
    is_developer = serializers.BooleanField()
    rights = serializers.DictField(child=serializers.CharField())


class AccountCurrentApi(APIView):
    @extend_schema(
        summary="The account this request acts for",
        description="With an API key: the key's account. With a session: the account named "
        "in the `X-Account` header, else the one chosen in the console.",
        responses=AccountContextOutput,
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        actor = account_actor(request)
        data = {
            "account": actor.account,
            "via": "api_key" if actor.via_api_key else "session",
            "is_admin": actor.is_admin,
            "is_developer": actor.is_developer,
            "rights": actor.rights,
        }
        return Response(AccountContextOutput(data).data)


class ApiKeyOutput(serializers.ModelSerializer):
    prefix = serializers.CharField(source="display_prefix")
    is_active = serializers.BooleanField()
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True)
    revoked_by = serializers.EmailField(source="revoked_by.email", default=None, allow_null=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "is_active",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]


class ApiKeyCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.SerializerMethodField(help_text="The key itself. Shown only once.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]

    def get_key(self, obj: ApiKey) -> str:
        return self.context["raw_key"]


class ApiKeyListApi(APIView):
    @extend_schema(
        operation_id="api_keys_list",
        summary="List the account's API keys",
        parameters=PAGE_PARAMETERS,
        responses=page_of(ApiKeyOutput),
        tags=["api keys"],
    )
    def get(self, request: Request) -> Response:
        account = actor_require_admin(actor=account_actor(request), api_keys=True)
        return paginated_response(
            request=request,
            view=self,
            queryset=api_key_list_for_account(account=account),
            serializer=ApiKeyOutput,
        )

    @extend_schema(
        summary="Create an API key",
        description="Account admins only, with a session (an API key cannot create keys). "
        "The answer holds the key itself, once: store it now, it cannot be read again.",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedOutput},
        examples=[OpenApiExample("Create", value={"name": "CI pipeline"}, request_only=True)],
        tags=["api keys"],
    )
    def post(self, request: Request) -> Response:
        actor = account_actor(request)
        account = actor_require_admin(actor=actor, api_keys=False)
        data = ApiKeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        key, raw = api_key_create(
            account=account, name=data.validated_data["name"], created_by=actor.user
        )
        return Response(
            ApiKeyCreatedOutput(key, context={"raw_key": raw}).data, status=status.HTTP_201_CREATED
        )


class ApiKeyDetailApi(APIView):
    @extend_schema(
        summary="One API key (never the key itself)", responses=ApiKeyOutput, tags=["api keys"]
    )
    def get(self, request: Request, key_id: int) -> Response:
        account = actor_require_admin(actor=account_actor(request), api_keys=True)
        return Response(ApiKeyOutput(api_key_get(account=account, key_id=key_id)).data)


class ApiKeyRevokeApi(APIView):
    @extend_schema(
        summary="Revoke an API key",
        request=None,
        responses=ApiKeyOutput,
        description="The key is refused from the next request on. Revoking a "
        "revoked key changes nothing.",
        tags=["api keys"],
    )
    def post(self, request: Request, key_id: int) -> Response:
        actor = account_actor(request)
        account = actor_require_admin(actor=actor, api_keys=True)
        key = api_key_get(account=account, key_id=key_id)
        by = actor.user
        return Response(ApiKeyOutput(api_key_revoke(key=key, revoked_by=by)).data)
