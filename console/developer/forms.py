from django import forms

from apps.catalog.manifests import MAX_BYTES, ManifestError


class ManifestCheckForm(forms.Form):
    manifest = forms.CharField(
        label="Manifest",
        required=False,
        strip=False,
        help_text="Paste the manifest as JSON or YAML.",
        widget=forms.Textarea(
            attrs={"rows": 18, "spellcheck": "false", "class": "code", "autofocus": True}
        ),
    )
    manifest_file = forms.FileField(
        label="…or upload a file",
        required=False,
        help_text="A .json, .yaml or .yml file of up to 256 KB.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("manifest_file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise forms.ValidationError(
                    f"The file is {upload.size:,} bytes; a manifest may be 256 KB at most.",
                    code=ManifestError.TOO_LARGE,
                )
        elif not data.get("manifest", "").strip():
            raise forms.ValidationError("Paste a manifest or choose a file.", code="empty")
        return data
