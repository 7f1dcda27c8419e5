"""Form helpers shared by console pages."""

from django import forms

from apps.core.errors import ApplicationError


def form_add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: each field error under its field, the rest
    (and the message, when no field is named) above the form."""
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not exc.fields:
        form.add_error(None, exc.message)
