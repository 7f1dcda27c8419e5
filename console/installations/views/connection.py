"""An installed app's connection to an outside service, opened by an admin: the
parameters the app's manifest asks for (sensitive ones masked, never sent back)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.connections.selectors import (
    connection_of,
    connection_parameter_fields,
    connection_setup_missing,
)
from apps.connections.services import connection_parameters_save
from apps.core.errors import ApplicationError, Conflict
from console.installations.forms import SettingsForm, setting_field_name
from console.installations.views.common import InstallationMixin, installation_url


class InstallationConnectionView(InstallationMixin, View):
    """The connection page: its parameters form (for ``generic`` and ``oauth2``
    connections that declare parameters)."""

    template_name = "console/installations/installation_connection.html"

    def form(self, data: Any = None) -> SettingsForm:
        fields = connection_parameter_fields(installation=self.installation)
        return SettingsForm(data, setting_fields=fields)

    def render(self, form: SettingsForm | None = None) -> HttpResponse:
        form = form or self.form()
        connection = connection_of(self.installation)
        rows = [
            {"item": item, "field": form[setting_field_name(item.setting.key)]}
            for item in form.setting_fields
        ]
        context = {
            "installation": self.installation,
            "app": self.installation.app,
            "connection": connection,
            "form": form,
            "rows": rows,
            "setup_missing": connection_setup_missing(installation=self.installation),
            "back_url": installation_url(self.installation),
        }
        return render(self.request, self.template_name, context)

    def show(self, **kwargs: Any) -> HttpResponse:
        return self.render()

    def submit(self, **kwargs: Any) -> HttpResponse:
        form = self.form(self.request.POST)
        if form.is_valid():
            try:
                connection_parameters_save(
                    installation=self.installation,
                    values=form.setting_values(),
                    clear=form.clear_keys(),
                    actor=self.actor,
                )
            except Conflict as exc:
                messages.error(self.request, exc.message)
                return redirect(installation_url(self.installation))
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(self.request, "Connection saved.")
                return redirect(self.request.path)
        for key, item in form.by_key.items():
            name = setting_field_name(key)
            if item.setting.type == "secret" and form.data.get(name) and name not in form.errors:
                form.add_error(name, "Nothing was saved: type the value again.")
        return self.render(form)
