from collections.abc import Iterable
from typing import Any, cast

from django import forms

from apps.accounts.models import AccessLevel, Group, Language, Role
from apps.accounts.policies import module_choices


class ApiKeyCreateForm(forms.Form):
    # Only the shape of the input is checked here; api_key_create owns the rules (blank,
    # length) and its errors are shown under the field.
    name = forms.CharField(
        label="Name",
        required=False,
        help_text="Say what uses the key, e.g. “CI deploy pipeline”.",
        widget=forms.TextInput(attrs={"maxlength": 100, "required": True, "autofocus": True}),
    )


def _role_choices(roles: Iterable[Role]) -> list[tuple[str, str]]:
    return [("", "No role"), *((str(role.pk), role.name) for role in roles)]


class MemberForm(forms.Form):
    """A member's place, or what an invitation will give: role, groups, rights. Ids are
    checked by the service (a role or group of another account is refused by field)."""

    role = forms.ChoiceField(label="Role", required=False)
    groups = forms.MultipleChoiceField(
        label="Groups", required=False, widget=forms.CheckboxSelectMultiple
    )
    is_admin = forms.BooleanField(
        label="Account admin",
        required=False,
        help_text="Installs and manages apps, API keys, members, roles and groups.",
    )
    is_developer = forms.BooleanField(
        label="Developer",
        required=False,
        help_text="Builds the account's apps in the Developer Console.",
    )

    def __init__(
        self, *args: Any, roles: Iterable[Role], groups: Iterable[Group], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = _role_choices(roles)
        group_choices = [(str(group.pk), group.name) for group in groups]
        cast(forms.ChoiceField, self.fields["groups"]).choices = group_choices
        if not group_choices:
            self.fields["groups"].help_text = "This account has no groups yet."


class InvitationForm(MemberForm):
    email = forms.CharField(
        label="E-mail address",
        required=False,
        widget=forms.EmailInput(attrs={"autofocus": True, "required": True}),
        help_text="The invitation link goes to this address and works for it only.",
    )
    field_order = ["email", "role", "groups", "is_admin", "is_developer"]


class NameForm(forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, "required": True}),
    )


def right_field_name(module: str) -> str:
    return f"right-{module}"


class RoleForm(NameForm):
    """A role's name and its level on every module of the product."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [(str(value), str(label)) for value, label in AccessLevel.choices]
        for module, label in module_choices():
            self.fields[right_field_name(module)] = forms.ChoiceField(
                label=label, choices=levels, initial=AccessLevel.NONE, required=False
            )

    def rights(self) -> dict[str, str]:
        return {
            module: self.cleaned_data.get(right_field_name(module)) or AccessLevel.NONE
            for module, _ in module_choices()
        }

    def right_fields(self) -> list[forms.BoundField]:
        return [self[right_field_name(module)] for module, _ in module_choices()]


class ReassignForm(forms.Form):
    reassign_to = forms.ChoiceField(label="Give its uses to", required=False)

    def __init__(self, *args: Any, others: Iterable[Role | Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reassign_to"]).choices = [
            ("", "Choose…"),
            *((str(other.pk), other.name) for other in others),
        ]


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="Your name", required=False, max_length=150)
    password1 = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only digits, not a common password.",
    )
    password2 = forms.CharField(
        label="Password again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class PreferencesForm(forms.Form):
    """A user's own preferences. The language is only offered here; ``user_language_set``
    owns the rule and its error is shown under the field."""

    language = forms.CharField(
        label="Interface language",
        required=False,
        help_text="What installed apps are told to speak to you. None: your account's.",
    )

    def __init__(self, *args: Any, account_language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Language.choices)
        follow = "Follow the account"
        if account_language:
            follow += f" ({labels.get(account_language, account_language)})"
        self.fields["language"].widget = forms.Select(choices=[("", follow), *Language.choices])
