"""Serializers of the installations API's settings: one setting as the API shows it (a
secret masked, a file as its download link), and where a stored file downloads."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from apps.installations.models import Installation
from apps.installations.selectors import SettingField


class InstallationSettingOptionOutput(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class InstallationSettingFileOutput(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    url = serializers.URLField(help_text="Download it here, with the same credentials.")


class InstallationSettingOutput(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.CharField(
        help_text="string, text, number, boolean, select, reference, secret or file."
    )
    label = serializers.CharField()
    help = serializers.CharField()
    required = serializers.BooleanField()
    options = InstallationSettingOptionOutput(many=True, help_text="The choices of a select.")
    value = serializers.JSONField(
        allow_null=True,
        help_text="The value (the default when unset). Never a secret: a secret shows "
        '`{"is_set": true, "masked": "••••••••abcd"}`. Null for files.',
    )
    is_set = serializers.BooleanField(help_text="A value, secret or file is stored.")
    file = InstallationSettingFileOutput(
        allow_null=True, help_text="The stored file of a file setting."
    )


def setting_data(field: SettingField, *, file_url: str) -> dict[str, Any]:
    """One setting as the API shows it; ``file_url`` is where its file downloads."""
    setting = field.setting
    value: Any = field.value
    if setting.type == "secret":
        value = {"is_set": field.is_set, "masked": field.masked}
    file = None
    if setting.type == "file" and field.is_set:
        file = {"name": field.file_name, "size": field.file_size, "url": file_url}
    return {
        "key": setting.key,
        "type": setting.type,
        "label": setting.label,
        "help": setting.help,
        "required": setting.required,
        "options": [{"value": o.value, "label": o.label} for o in setting.options],
        "value": None if setting.type == "file" else value,
        "is_set": field.is_set,
        "file": file,
    }


def file_path(installation: Installation, key: str, user_ref: str | None) -> str:
    if user_ref is None:
        return reverse("api:installations:installation-setting_file", args=[installation.pk, key])
    return reverse(
        "api:installations:installation-user_setting_file", args=[installation.pk, user_ref, key]
    )
