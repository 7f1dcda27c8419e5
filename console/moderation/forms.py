"""The moderator's decision forms. Only the shape of the input is checked here: the
services own the rules (every checklist item ticked to approve, a reason to reject) and
their errors are shown under the field they name."""

from django import forms

from apps.moderation.policies import CHECKLIST


class ApproveForm(forms.Form):
    prefix = "approve"

    checklist = forms.MultipleChoiceField(
        label="Checklist",
        choices=CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick every item to approve; if one fails, reject with a reason instead.",
    )
    notes = forms.CharField(
        label="Notes for moderators",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional; the developer does not see them.",
    )

    def checklist_ticks(self) -> dict[str, bool]:
        return dict.fromkeys(self.cleaned_data.get("checklist") or [], True)


class RejectForm(forms.Form):
    prefix = "reject"

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 5000, "required": True}),
        help_text="The developer reads this: say what to fix.",
    )
    notes = forms.CharField(
        label="Notes for moderators",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; the developer does not see them.",
    )
