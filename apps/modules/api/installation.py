"""An app's own installation, as the app reaches it with an access token.

``GET /api/v1/installation``: the installation the token belongs to (account, app,
version, granted scopes, app-level settings). ``GET /api/v1/installation/user-settings``:
the token user's own user-level settings.

Secret settings answer ``is_set`` only, unless the request also authenticates the app's
client (``X-Client-Id`` and ``X-Client-Secret``, as the app's backend holds them): a
bare user token may come from a browser, which must never see a secret.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import request_actor
from apps.api.app_api import AppTokenAuthentication
from apps.api.client_proof import token_client_proven
from apps.installations.models import Installation
from apps.installations.selectors import installation_secret_values, installation_settings
from apps.installations.services import installation_settings_save
from apps.modules.errors import ClientNotAuthenticated
from apps.oauth.policies import AppToken

CLIENT_HEADERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=f"{what} Only from the "
        "app's backend: with both, secret settings answer their values.",
    )
    for name, what in (
        ("X-Client-Id", "The app's OAuth client id."),
        ("X-Client-Secret", "The app's OAuth client secret."),
    )
]


class AnyAppToken(permissions.BasePermission):
    """Any access token the authentication accepted: what it reads is its own."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, AppToken) and request.auth.installation is not None


def client_authenticated(request: Request, token: AppToken) -> bool:
    """Whether the request also proves the app's client: its id (the token's) and secret.
    Absent headers: no. Wrong ones: 401, never a silent downgrade."""
    proven = token_client_proven(request, token)
    if proven is False:
        raise ClientNotAuthenticated(
            "X-Client-Id and X-Client-Secret do not authenticate the app this token was issued to.",
            fields={"X-Client-Secret": ["Not the credentials of this token's app."]},
        )
    return bool(proven)


def settings_payload(
    installation: Installation, *, level: str, user: Any, reveal: bool
) -> list[dict[str, Any]]:
    fields = installation_settings(installation=installation, level=level, user=user)
    secrets: dict[str, str] = {}
    if reveal and any(f.setting.type == "secret" for f in fields):
        secrets = installation_secret_values(
            installation_id=installation.pk, user_id=user.pk if user is not None else None
        )
    payload = []
    for field in fields:
        item = {"key": field.setting.key, "type": field.setting.type, "is_set": field.is_set}
        if field.setting.type == "secret":
            item["value"] = secrets.get(field.setting.key) if reveal else None
        elif field.setting.type == "file":
            item["value"] = (
                {"name": field.file_name, "size": field.file_size} if field.is_set else None
            )
        else:
            item["value"] = field.value
        payload.append(item)
    return payload


SETTING = inline_serializer(
    name="AppSettingValue",
    fields={
        "key": serializers.CharField(),
        "type": serializers.CharField(),
        "is_set": serializers.BooleanField(),
        "value": serializers.JSONField(
            allow_null=True,
            help_text="A secret's value only with the app's client credentials, else null.",
        ),
    },
)


OWN_USER_SETTINGS = inline_serializer(
    name="OwnUserSettings",
    fields={
        "user": serializers.IntegerField(),
        "settings": SETTING.__class__(many=True),
        "secrets_shown": serializers.BooleanField(),
    },
)


class UserSettingsInput(serializers.Serializer):  # type: ignore[type-arg]
    values = serializers.DictField(required=False, default=dict)
    clear = serializers.ListField(child=serializers.CharField(), required=False, default=list)

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - {"values", "clear"}) if isinstance(data, dict) else []
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field; send values and clear."] for name in unknown}
            )
        return super().to_internal_value(data)


class _OwnInstallationApi(APIView):
    authentication_classes = [AppTokenAuthentication]
    permission_classes = [AnyAppToken]
    throttle_classes: list[Any] = []

    def installation(self) -> Installation:
        token: AppToken = self.request.auth
        assert token.installation is not None
        return Installation.objects.select_related("app", "version").get(pk=token.installation.pk)


class InstallationSelfApi(_OwnInstallationApi):
    @extend_schema(
        operation_id="installation_self",
        tags=["App API: installation"],
        parameters=CLIENT_HEADERS,
        summary="The installation the access token belongs to",
        description="Account, app, version, granted scopes and app-level settings. Any "
        "access token of the installation; secret values only with the app's client "
        "credentials.",
        responses={
            200: inline_serializer(
                name="OwnInstallation",
                fields={
                    "id": serializers.IntegerField(),
                    "account": inline_serializer(
                        name="OwnInstallationAccount",
                        fields={
                            "domain": serializers.CharField(),
                            "language": serializers.CharField(),
                        },
                    ),
                    "app": inline_serializer(
                        name="OwnInstallationApp",
                        fields={"code": serializers.UUIDField(), "name": serializers.CharField()},
                    ),
                    "version": serializers.CharField(),
                    "granted_scopes": serializers.ListField(child=serializers.CharField()),
                    "settings": SETTING.__class__(many=True),
                    "secrets_shown": serializers.BooleanField(),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        token: AppToken = request.auth
        reveal = client_authenticated(request, token)
        installation = self.installation()
        assert token.installation is not None
        return Response(
            {
                "id": installation.pk,
                "account": {
                    "domain": token.installation.account.slug,
                    "language": token.installation.account.language,
                },
                "app": {"code": str(installation.app.code), "name": installation.app.name},
                "version": installation.version.number,
                "granted_scopes": list(installation.granted_scopes),
                "settings": settings_payload(installation, level="app", user=None, reveal=reveal),
                "secrets_shown": reveal,
            }
        )


class InstallationUserSettingsApi(_OwnInstallationApi):
    @extend_schema(
        operation_id="installation_user_settings",
        tags=["App API: installation"],
        parameters=CLIENT_HEADERS,
        summary="The token user's own user-level settings",
        description="Secret values only with the app's client credentials.",
        responses={200: OWN_USER_SETTINGS},
    )
    def get(self, request: Request) -> Response:
        token: AppToken = request.auth
        reveal = client_authenticated(request, token)
        installation = self.installation()
        user = token.user
        return Response(
            {
                "user": user.pk,
                "settings": settings_payload(installation, level="user", user=user, reveal=reveal),
                "secrets_shown": reveal,
            }
        )

    @extend_schema(
        operation_id="installation_user_settings_update",
        tags=["App API: installation"],
        parameters=CLIENT_HEADERS,
        summary="Change the token user's own user-level settings",
        description="`values` maps setting keys to new values (keys left out keep theirs; "
        "an empty secret keeps the stored one); `clear` lists secrets or files to remove. "
        "Every problem is answered under its key and nothing is saved then.",
        request=UserSettingsInput,
        responses={200: OWN_USER_SETTINGS},
    )
    def patch(self, request: Request) -> Response:
        token: AppToken = request.auth
        reveal = client_authenticated(request, token)
        body = UserSettingsInput(data=request.data)
        body.is_valid(raise_exception=True)
        installation = self.installation()
        installation_settings_save(
            installation=installation,
            level="user",
            user=token.user,
            values=body.validated_data["values"],
            clear=body.validated_data["clear"],
            actor=request_actor(request),
        )
        return Response(
            {
                "user": token.user.pk,
                "settings": settings_payload(
                    installation, level="user", user=token.user, reveal=reveal
                ),
                "secrets_shown": reveal,
            }
        )
