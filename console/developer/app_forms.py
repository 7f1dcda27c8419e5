"""Forms of the Developer Console's app and version pages.

They only shape the input: the rules (names, listing limits, images, manifests, expiry)
live in ``apps.catalog.services``, whose field errors are shown back under these fields.
"""

from typing import Any

from django import forms
from django.utils.html import format_html

from apps.catalog.images import BANNER, LOGO, MAX_BANNERS
from apps.catalog.manifests import MAX_BYTES, ManifestError
from apps.catalog.models import AppType
from apps.catalog.services import INSTALL_LINK_DEFAULT_DAYS, INSTALL_LINK_MAX_DAYS

TYPE_CHOICES = [
    (
        AppType.PRIVATE.value,
        format_html(
            "<strong>{}</strong> — {}",
            "Private",
            "for your own account and the accounts you send an install link to. Versions "
            "need no moderation; it never appears in the catalog.",
        ),
    ),
    (
        AppType.PUBLIC.value,
        format_html(
            "<strong>{}</strong> — {}",
            "Public",
            "can be listed in the marketplace catalog for every account. Moderators review "
            "each new version before you can publish it.",
        ),
    ),
]


class AppCreateForm(forms.Form):
    name = forms.CharField(
        label="Name", required=False, widget=forms.TextInput(attrs={"autofocus": True})
    )
    type = forms.ChoiceField(
        label="Kind",
        choices=TYPE_CHOICES,
        widget=forms.RadioSelect,
        help_text="The kind cannot change later.",
        error_messages={"required": "Choose private or public."},
    )


class AppEditForm(forms.Form):
    name = forms.CharField(
        label="Name",
        required=False,
        help_text="The app's code and credentials stay the same.",
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


class AppListingForm(forms.Form):
    summary = forms.CharField(
        label="Summary",
        required=False,
        strip=False,
        help_text="One line under the app's name in the catalog (160 characters at most).",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the app does for an account, in plain words.",
    )
    support_email = forms.CharField(label="Support e-mail", required=False)
    support_url = forms.CharField(label="Support URL", required=False)


class AppLogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text=f"{LOGO.describe()}.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class AppBannerForm(forms.Form):
    banner = forms.FileField(
        label="Banner",
        help_text=f"{BANNER.describe()}; {MAX_BANNERS} banners at most.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class AppDeleteForm(forms.Form):
    confirm_name = forms.CharField(label="Type the app's name to confirm", required=False)

    def __init__(self, *args: Any, app_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app_name = app_name

    def clean_confirm_name(self) -> str:
        value = (self.cleaned_data.get("confirm_name") or "").strip()
        if value != self.app_name:
            raise forms.ValidationError(
                f"Type “{self.app_name}” exactly to delete the app.", code="mismatch"
            )
        return value


class VersionForm(forms.Form):
    """A manifest, pasted or uploaded, and a changelog."""

    manifest = forms.CharField(
        label="Manifest",
        required=False,
        strip=False,
        help_text=(
            "Paste the manifest as JSON or YAML. Its <code>version</code> is the version number."
        ),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
    )
    manifest_file = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text="A .json, .yaml or .yml file of up to 256 KB; it wins over pasted text.",
    )
    changelog = forms.CharField(
        label="Changelog",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What changed, for admins deciding to update (10,000 characters at most).",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("manifest_file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                self.add_error(
                    "manifest_file",
                    forms.ValidationError(
                        f"The file is {upload.size:,} bytes; a manifest may be 256 KB at most.",
                        code=ManifestError.TOO_LARGE,
                    ),
                )
        elif not (data.get("manifest") or "").strip():
            self.add_error(
                "manifest",
                forms.ValidationError("Paste a manifest or choose a file.", code="empty"),
            )
        return data


class InstallLinkForm(forms.Form):
    label = forms.CharField(
        label="Label",
        required=False,
        help_text="Who the link is for, e.g. “Beta tester at Globex” (100 characters at most).",
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        initial=INSTALL_LINK_DEFAULT_DAYS,
        help_text=f"From 1 to {INSTALL_LINK_MAX_DAYS} days.",
        error_messages={
            "required": f"Choose from 1 to {INSTALL_LINK_MAX_DAYS} days.",
            "invalid": f"Enter a whole number of days from 1 to {INSTALL_LINK_MAX_DAYS}.",
        },
        widget=forms.NumberInput(attrs={"min": 1, "max": INSTALL_LINK_MAX_DAYS}),
    )
