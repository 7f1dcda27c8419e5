"""Installations API: setting values, app-level and per user, and their stored files.

App-level settings are for admins and API keys. User-level settings: a member reads and
changes their own while they may use the app, an admin or an API key anyone's in the
account. Secret values never leave the server: a secret shows whether it is set and its
mask. Saving goes through ``installation_settings_save``, which checks every value by the
type its manifest declares and saves all or nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.actors import Actor
from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed
from apps.installations.api import serializers as out
from apps.installations.api.common import (
    admin_installation,
    user_settings_target,
)
from apps.installations.models import Installation
from apps.installations.selectors import installation_settings, setting_file_get
from apps.installations.services import installation_settings_save

TAGS = ["installation settings"]
APP, USER = "app", "user"

SETTINGS_EXAMPLE = [
    {
        "key": "company_name",
        "type": "string",
        "label": "Company name",
        "help": "",
        "required": True,
        "options": [],
        "value": "Acme Corp",
        "is_set": True,
        "file": None,
    },
    {
        "key": "api_token",
        "type": "secret",
        "label": "API token",
        "help": "",
        "required": False,
        "options": [],
        "value": {"is_set": True, "masked": "••••••••abcd"},
        "is_set": True,
        "file": None,
    },
    {
        "key": "letterhead",
        "type": "file",
        "label": "Letterhead",
        "help": "PDF or PNG, at most 5 MB.",
        "required": False,
        "options": [],
        "value": None,
        "is_set": True,
        "file": {
            "name": "letterhead.pdf",
            "size": 48213,
            "url": "https://marketplace.example.com/api/v1/installations/12/settings/"
            "letterhead/file",
        },
    },
]
SETTINGS_PATCH = inline_serializer(
    "InstallationSettingsInput",
    fields={
        "values": serializers.DictField(
            help_text="Setting keys to new values; keys left out keep their value. An empty "
            "secret keeps the stored one; null or an empty string clears a plain value."
        ),
        "clear": serializers.ListField(
            child=serializers.CharField(), required=False, help_text="File keys to remove."
        ),
    },
)
SETTINGS_FORM = inline_serializer(
    "InstallationSettingsForm",
    fields={
        "<key>": serializers.CharField(
            required=False, help_text="A form field per setting, or a file for a file setting."
        ),
        "clear": serializers.CharField(
            required=False, help_text="A file key to remove (repeat it, or separate by commas)."
        ),
    },
)
SETTINGS_REQUEST = {
    "application/json": SETTINGS_PATCH,
    "multipart/form-data": SETTINGS_FORM,
}
SETTINGS_400 = OpenApiResponse(
    description="`invalid`, with the messages under `fields` by setting key; nothing saved."
)
FILE_200 = OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment.")


def _settings_input(request: Request) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """``(values, files, clear)`` from a JSON body or a multipart form, each malformed part
    refused under its own name."""
    content_type = request.content_type or ""
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = request.data
        clear = [
            key.strip()
            for raw in form.getlist("clear")
            for key in str(raw).split(",")
            if key.strip()
        ]
        files = dict(request.FILES.items())
        values = {key: form.get(key) for key in form if key != "clear" and key not in files}
        return values, files, clear
    body = request.data
    if not isinstance(body, dict):
        raise ValidationFailed(
            'Send a JSON object: {"values": {...}}.',
            fields={"non_field_errors": ['Send a JSON object: {"values": {...}}.']},
        )
    unknown = sorted(set(body) - {"values", "clear"})
    if unknown:
        raise ValidationFailed(
            "Unknown fields: " + ", ".join(unknown) + ".",
            fields={name: ["Unknown field; send values and clear."] for name in unknown},
        )
    values = body.get("values", {})
    if not isinstance(values, dict):
        raise ValidationFailed(
            "values must map setting keys to values.",
            fields={"values": ['Send an object, e.g. {"company_name": "Acme"}.']},
        )
    clear = body.get("clear", [])
    if not isinstance(clear, list) or not all(isinstance(k, str) for k in clear):
        raise ValidationFailed(
            "clear must list file setting keys.", fields={"clear": ["Send a list of keys."]}
        )
    return values, {}, clear


def _settings_body(
    request: Request, installation: Installation, level: str, user: User | None, user_ref: str
) -> list[dict[str, Any]]:
    fields = installation_settings(installation=installation, level=level, user=user)
    return [
        out.setting_data(
            field,
            file_url=request.build_absolute_uri(
                out.file_path(installation, field.setting.key, user_ref if level == USER else None)
            ),
        )
        for field in fields
    ]


def _save(
    request: Request,
    actor: Actor,
    installation: Installation,
    level: str,
    user: User | None,
) -> None:
    values, files, clear = _settings_input(request)
    installation_settings_save(
        installation=installation,
        level=level,
        user=user,
        values=values,
        files=files,
        clear=clear,
        actor=actor,
    )


def _file_response(installation: Installation, key: str, user: User | None) -> FileResponse:
    row = setting_file_get(installation=installation, key=key, user=user)
    try:
        handle = row.file.open("rb")
    except OSError as exc:
        raise NotFound("The stored file is missing; upload it again.") from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=row.file_name or key,
        content_type="application/octet-stream",
    )


class InstallationSettingsApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="installations_settings_retrieve",
        summary="The app-level settings and their values",
        responses=out.InstallationSettingOutput(many=True),
        examples=[OpenApiExample("Settings", value=SETTINGS_EXAMPLE, response_only=True)],
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int) -> Response:
        _actor, installation = admin_installation(request, installation_id)
        return Response(_settings_body(request, installation, APP, None, ""))

    @extend_schema(
        operation_id="installations_settings_update",
        summary="Change app-level settings",
        description='JSON `{"values": {...}, "clear": [file keys]}`, or multipart with a '
        "form field per setting, files for file settings and `clear` naming files to remove. "
        "Every problem comes back at once under `fields` by key, and nothing is saved then.",
        request=SETTINGS_REQUEST,
        responses={200: out.InstallationSettingOutput(many=True), 400: SETTINGS_400},
        examples=[
            OpenApiExample(
                "Values",
                value={"values": {"company_name": "Acme Corp", "api_token": "tok_live_…"}},
                request_only=True,
            )
        ],
        tags=TAGS,
    )
    def patch(self, request: Request, installation_id: int) -> Response:
        actor, installation = admin_installation(request, installation_id)
        _save(request, actor, installation, APP, None)
        return Response(_settings_body(request, installation, APP, None, ""))


class InstallationSettingFileApi(APIView):
    @extend_schema(
        operation_id="installations_settings_file",
        summary="Download the file of an app-level file setting",
        responses={200: FILE_200},
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int, key: str) -> FileResponse:
        _actor, installation = admin_installation(request, installation_id)
        return _file_response(installation, key, None)


class InstallationUserSettingsApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="installations_user_settings_retrieve",
        summary="A user's own settings of the app",
        description="`me` for the signed-in user. Members reach their own settings while "
        "they may use the app; admins and API keys any member's.",
        responses=out.InstallationSettingOutput(many=True),
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int, user_ref: str) -> Response:
        _actor, installation, user = user_settings_target(request, installation_id, user_ref)
        return Response(_settings_body(request, installation, USER, user, user_ref))

    @extend_schema(
        operation_id="installations_user_settings_update",
        summary="Change a user's own settings of the app",
        description="Same body as the app-level settings.",
        request=SETTINGS_REQUEST,
        responses={200: out.InstallationSettingOutput(many=True), 400: SETTINGS_400},
        tags=TAGS,
    )
    def patch(self, request: Request, installation_id: int, user_ref: str) -> Response:
        actor, installation, user = user_settings_target(request, installation_id, user_ref)
        _save(request, actor, installation, USER, user)
        return Response(_settings_body(request, installation, USER, user, user_ref))


class InstallationUserSettingFileApi(APIView):
    @extend_schema(
        operation_id="installations_user_settings_file",
        summary="Download the file of a user-level file setting",
        responses={200: FILE_200},
        tags=TAGS,
    )
    def get(self, request: Request, installation_id: int, user_ref: str, key: str) -> FileResponse:
        _actor, installation, user = user_settings_target(request, installation_id, user_ref)
        return _file_response(installation, key, user)
