from django import forms


class ApiKeyCreateForm(forms.Form):
    # Only the shape of the input is checked here; api_key_create owns the rules (blank,
    # length) and its errors are shown under the field.
    name = forms.CharField(
        label="Name",
        required=False,
        help_text="Say what uses the key, e.g. “CI deploy pipeline”.",
        widget=forms.TextInput(attrs={"maxlength": 100, "required": True, "autofocus": True}),
    )
