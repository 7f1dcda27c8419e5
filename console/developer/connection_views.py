"""An app's client at the outside service its connection reaches: the developer sets the
client id and secret that service issued (the secret is never shown again), and reads
the callback URL to register there."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.connections.authorization import outside_client_set
from apps.connections.selectors import connection_test_results_for_app, outside_client_shown
from apps.core.errors import ApplicationError
from console.developer.app_views import AppMixin
from console.forms import form_add_application_error


class OutsideClientForm(forms.Form):
    client_id = forms.CharField(label="Client id", max_length=255, required=False)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("console:connection-callback"))


class AppConnectionClientView(AppMixin, View):
    template_name = "console/developer/app_connection.html"

    def render(self, request: HttpRequest, form: OutsideClientForm) -> HttpResponse:
        context = {
            "app": self.app,
            "form": form,
            "client": outside_client_shown(app=self.app),
            "callback_url": callback_url(request),
            "test_results": connection_test_results_for_app(app=self.app),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        shown = outside_client_shown(app=self.app)
        initial = {"client_id": shown.client_id} if shown else {}
        return self.render(request, OutsideClientForm(initial=initial))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = OutsideClientForm(request.POST)
        if form.is_valid():
            try:
                outside_client_set(
                    app=self.app,
                    client_id=form.cleaned_data["client_id"],
                    client_secret=form.cleaned_data["client_secret"],
                    actor=self.actor,
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, "The outside service's client is saved.")
                return redirect(request.path)
        return self.render(request, form)
