"""Forms of the installed-app pages: who may use an app, its settings, the update.

The settings form is built from the installed version's manifest. Its fields take raw
text: every rule about a value (length, number, option, file type and size) is the
installations service's, which names the setting a problem belongs to.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from apps.accounts.models import Group, Role
from apps.catalog.models import AppVersion
from apps.core.errors import ApplicationError
from apps.installations.policies import STRING_MAX
from apps.installations.selectors import Access, SettingField
from console.forms import form_add_application_error


class AccessForm(forms.Form):
    everyone = forms.BooleanField(
        required=False,
        label="Every member of the account",
        help_text="Whatever their role and groups, including members who join later.",
    )
    roles = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Roles"
    )
    groups = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Groups"
    )

    def __init__(
        self, *args: Any, roles: list[Role], groups: list[Group], access: Access, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "everyone": access.everyone,
                "roles": [str(pk) for pk in access.role_ids],
                "groups": [str(pk) for pk in access.group_ids],
            },
        )
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["roles"]).choices = [(str(r.pk), r.name) for r in roles]
        cast(forms.ChoiceField, self.fields["groups"]).choices = [
            (str(g.pk), g.name) for g in groups
        ]
        if not roles:
            self.fields["roles"].help_text = "This account has no roles."
        if not groups:
            self.fields["groups"].help_text = "This account has no groups."


def setting_field_name(key: str) -> str:
    return f"setting-{key}"


def clear_field_name(key: str) -> str:
    return f"setting-{key}-clear"


class SettingsForm(forms.Form):
    """One field per declared setting of a level (plus a "remove" box per file).

    ``setting_values()``, ``setting_files()`` and ``clear_keys()`` give what
    ``installation_settings_save`` takes; ``add_service_error`` puts its refusal on the
    fields. A secret is never put back into the page: its field is always empty.
    """

    def __init__(self, *args: Any, setting_fields: list[SettingField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setting_fields = setting_fields
        self.by_key = {f.setting.key: f for f in setting_fields}
        for item in setting_fields:
            setting = item.setting
            name = setting_field_name(setting.key)
            field = self._field_for(item)
            field.label = setting.label
            field.help_text = self._help(item)
            self.fields[name] = field
            if setting.type == "file" and item.is_set:
                self.fields[clear_field_name(setting.key)] = forms.BooleanField(
                    required=False, label=f"Remove the current file of “{setting.label}”"
                )
            elif setting.type == "secret" and item.is_set and not setting.required:
                self.fields[clear_field_name(setting.key)] = forms.BooleanField(
                    required=False, label=f"Remove the stored “{setting.label}”"
                )

    @staticmethod
    def _field_for(item: SettingField) -> forms.Field:
        setting = item.setting
        kind = setting.type
        initial = item.value
        if kind == "text":
            return forms.CharField(
                required=False,
                strip=False,
                initial=initial,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        if kind == "number":
            return forms.CharField(
                required=False,
                initial=initial,
                widget=forms.NumberInput(attrs={"step": "any"}),
            )
        if kind == "boolean":
            return forms.BooleanField(required=False, initial=bool(initial))
        if kind == "select":
            choices = [(o.value, o.label) for o in setting.options]
            if not setting.required or initial is None:
                choices = [("", "—"), *choices]
            return forms.CharField(
                required=False, initial=initial, widget=forms.Select(choices=choices)
            )
        if kind == "reference":
            return forms.CharField(
                required=False, initial=initial, widget=forms.NumberInput(attrs={"min": "1"})
            )
        if kind == "secret":
            return forms.CharField(
                required=False,
                strip=False,
                widget=forms.PasswordInput(
                    render_value=False, attrs={"autocomplete": "new-password"}
                ),
            )
        if kind == "file":
            return forms.FileField(required=False)
        return forms.CharField(
            required=False, initial=initial, widget=forms.TextInput(attrs={"maxlength": STRING_MAX})
        )

    @staticmethod
    def _help(item: SettingField) -> str:
        setting = item.setting
        parts = [setting.help] if setting.help else []
        if setting.required:
            parts.append("Required.")
        if setting.type == "reference":
            parts.append(f"The id of a {setting.model or 'record'} record (a whole number).")
        if setting.type == "secret":
            if item.is_set:
                parts.append(f"Currently set ({item.masked}). Leave empty to keep it.")
            else:
                parts.append("Not set yet.")
        if setting.type == "file":
            parts.append("PDF, image or office file, at most 5 MB.")
        return " ".join(parts)

    def setting_values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in self.by_key.items():
            kind = item.setting.type
            if kind == "file":
                continue
            raw = self.cleaned_data.get(setting_field_name(key))
            if kind == "boolean":
                result[key] = "true" if raw else "false"
            else:
                result[key] = raw if raw is not None else ""
        return result

    def setting_files(self) -> dict[str, UploadedFile]:
        result = {}
        for key, item in self.by_key.items():
            if item.setting.type == "file":
                upload = self.cleaned_data.get(setting_field_name(key))
                if upload:
                    result[key] = upload
        return result

    def clear_keys(self) -> list[str]:
        """File and secret settings whose stored value the person chose to remove (a
        file uploaded in the same save replaces it instead)."""
        return [
            key
            for key in self.by_key
            if self.cleaned_data.get(clear_field_name(key)) and key not in self.setting_files()
        ]

    def add_service_error(self, exc: ApplicationError) -> None:
        """Each problem under the setting it names (the service names settings by key);
        the rest above the form."""
        by_field = {setting_field_name(key): problems for key, problems in exc.fields.items()}
        form_add_application_error(
            self, type(exc)(exc.message, code=exc.code, fields=by_field, extra=exc.extra)
        )


class UpdateForm(forms.Form):
    version = forms.ChoiceField(label="New version")
    consent = forms.BooleanField(
        required=False,
        label="I have read the new access it asks for and agree to grant it to this account.",
    )

    def __init__(self, *args: Any, versions: list[AppVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.number: v for v in versions}
        field = cast(forms.ChoiceField, self.fields["version"])
        field.choices = [(v.number, v.number) for v in versions]

    def chosen(self) -> AppVersion:
        return self.versions[self.cleaned_data["version"]]
