"""The form of the app's *Replay failed deliveries* page: since when, and optionally one
account (of those the app is installed on) and one event type."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from apps.catalog.models import App
from console.records.forms import DateTimeInput


class ReplayFailedForm(forms.Form):
    since = forms.DateTimeField(
        label="Failed deliveries created since",
        widget=DateTimeInput(),
        help_text="In your time zone. Deliveries that failed and were created since then "
        "are sent again.",
    )
    account = forms.ChoiceField(label="Account", required=False)
    event = forms.CharField(
        label="Event",
        required=False,
        max_length=128,
        help_text="For example crm.account.updated. Leave empty for every event.",
    )

    def __init__(self, *args: Any, app: App, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["since"].initial = (timezone.localtime() - timedelta(days=1)).replace(
            second=0, microsecond=0
        )
        installed = (
            app.installations.select_related("account")
            .order_by("account__slug")
            .values_list("account_id", "account__slug", "account__name")
        )
        self.accounts = {str(pk): slug for pk, slug, _name in installed}
        self.fields["account"].choices = [("", "Every account")] + [
            (str(pk), f"{name} ({slug})") for pk, slug, name in installed
        ]

    def clean_since(self) -> Any:
        since = self.cleaned_data["since"]
        if since > timezone.now():
            raise forms.ValidationError("Choose a time in the past.")
        return since

    def clean_event(self) -> str:
        return str(self.cleaned_data.get("event") or "").strip()
