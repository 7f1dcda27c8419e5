"""An installed app's connection to an outside service, opened by an admin: the
parameters the app's manifest asks for (sensitive ones masked, never sent back)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.actors import Actor
from apps.connections.authorization import (
    connection_connect_finish,
    connection_connect_start,
    connection_disconnect,
    connection_refresh_now,
    connection_version_check,
    outside_credentials_set,
)
from apps.connections.links import connection_connect_link_open
from apps.connections.models import ConnectionTestResult
from apps.connections.outside import plain_words
from apps.connections.selectors import (
    connection_of,
    connection_parameter_fields,
    connection_setup_missing,
    connection_test_of,
    oauth_connection_of,
)
from apps.connections.services import connection_parameters_save
from apps.connections.testing import connection_test_after, connection_test_run
from apps.core.errors import ApplicationError, Conflict
from apps.installations.models import Installation
from apps.installations.selectors import installation_get_for
from apps.oauth.handoff import handoff_get, handoff_pop
from console.access import AccountAdminRequiredMixin, access_errors
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
        connection_version_check(installation=self.installation)
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
            "oauth": oauth_connection_of(installation=self.installation),
            "client_ready": outside_credentials_set(self.installation.app_id),
            "test_result": connection_test_of(installation=self.installation),
            "handoff": handoff_get(self.request.session, installation_id=self.installation.pk),
            "back_url": installation_url(self.installation),
        }
        return render(self.request, self.template_name, context)

    def show(self, **kwargs: Any) -> HttpResponse:
        return self.render()

    def submit(self, **kwargs: Any) -> HttpResponse:
        if self.request.POST.get("continue"):
            # On to the app whose install led here (the address the authorize step held).
            held = handoff_pop(self.request.session, installation_id=self.installation.pk)
            if held is not None:
                return HttpResponseRedirect(held.redirect_uri)
            return redirect(installation_url(self.installation))
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
                run_test_after(self.installation, ConnectionTestResult.Trigger.SAVED)
                return redirect(self.request.path)
        for key, item in form.by_key.items():
            name = setting_field_name(key)
            if item.setting.type == "secret" and form.data.get(name) and name not in form.errors:
                form.add_error(name, "Nothing was saved: type the value again.")
        return self.render(form)


PENDING = "connections.pending"
PENDING_SECONDS = 600


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("console:connection-callback"))


def _pending_keep(request: HttpRequest, *, state: str, installation_id: int, verifier: str) -> None:
    now = time.time()
    pending = {
        key: value
        for key, value in request.session.get(PENDING, {}).items()
        if now - value["at"] < PENDING_SECONDS
    }
    pending[state] = {"installation": installation_id, "verifier": verifier, "at": now}
    request.session[PENDING] = dict(list(pending.items())[-5:])


def _pending_pop(request: HttpRequest, state: str) -> dict[str, Any] | None:
    pending = dict(request.session.get(PENDING, {}))
    found = pending.pop(state, None) if state else None
    request.session[PENDING] = pending
    if found is None or time.time() - found["at"] >= PENDING_SECONDS:
        return None
    return dict(found)


class InstallationConnectView(InstallationMixin, View):
    """Connect (or Reconnect): off to the outside service's authorize URL, with a state
    bound to this session and this installation, and a PKCE challenge."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        return connect_start(self.request, self.actor, self.installation)


def connect_start(request: HttpRequest, actor: Actor, installation: Installation) -> HttpResponse:
    """Off to the outside service, the state kept in this session for this installation
    (or back to the Connection page with the reason it cannot be connected)."""
    try:
        start = connection_connect_start(
            installation=installation, actor=actor, redirect_uri=callback_url(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(installation_url(installation, "installation-connection"))
    _pending_keep(
        request, state=start.state, installation_id=installation.pk, verifier=start.verifier
    )
    return HttpResponseRedirect(start.url)


class ConnectionLinkView(AccountAdminRequiredMixin, View):
    """A one-time connect link (``POST /api/v1/installations/{id}/connection/connect``
    makes them): opened by a signed-in admin of the account, it starts Connect in their
    session, as the Connect button does."""

    template_name = "console/installations/connection_link.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        with access_errors():
            try:
                installation = connection_connect_link_open(token=token, actor=self.actor)
            except Conflict as exc:
                return render(request, self.template_name, {"message": exc.message}, status=409)
        return connect_start(request, self.actor, installation)


class ConnectionCallbackView(AccountAdminRequiredMixin, View):
    """Where the outside service sends the admin back: the state must be one this
    session started; then the code is exchanged, or the service's error shown in words."""

    template_name = "console/installations/connection_refused.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        pending = _pending_pop(request, request.GET.get("state", ""))
        if pending is None:
            return render(request, self.template_name, status=400)
        with access_errors():
            installation = installation_get_for(
                actor=self.actor, installation_id=pending["installation"]
            )
        page = installation_url(installation, "installation-connection")
        error = request.GET.get("error", "")
        if error or not request.GET.get("code"):
            description = request.GET.get("error_description", "")
            messages.error(request, plain_words(error or "invalid_request", description))
            return redirect(page)
        try:
            connection_connect_finish(
                installation=installation,
                actor=self.actor,
                code=request.GET["code"],
                verifier=pending["verifier"],
                redirect_uri=callback_url(request),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{installation.app.name} is connected.")
            run_test_after(installation, ConnectionTestResult.Trigger.CONNECTED)
        return redirect(page)


def run_test_after(installation: Installation, trigger: str) -> None:
    connection_test_after(installation=installation, trigger=trigger)


class InstallationConnectionRefreshView(InstallationMixin, View):
    """Refresh now: new tokens from the outside service at once."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        page = installation_url(self.installation, "installation-connection")
        try:
            outcome = connection_refresh_now(installation=self.installation, actor=self.actor)
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(page)
        if outcome.refreshed:
            messages.success(self.request, "The tokens were refreshed.")
        else:
            messages.error(self.request, "Refreshing the tokens failed: " + outcome.problem)
        return redirect(page)


class InstallationDisconnectView(InstallationMixin, View):
    """Disconnect: the tokens revoked at the outside service and removed."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        page = installation_url(self.installation, "installation-connection")
        try:
            revoked = connection_disconnect(installation=self.installation, actor=self.actor)
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(page)
        if revoked:
            messages.success(self.request, f"{self.installation.app.name} is disconnected.")
        else:
            messages.warning(
                self.request,
                f"{self.installation.app.name} is disconnected here, but the outside service "
                "did not confirm the revocation: remove the access on its side too.",
            )
        return redirect(page)


class InstallationConnectionTestView(InstallationMixin, View):
    """Test: send the declared request now and show its outcome on the page."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        page = installation_url(self.installation, "installation-connection")
        try:
            result = connection_test_run(installation=self.installation, actor=self.actor)
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(page)
        if result.passed:
            messages.success(self.request, "The connection test passed.")
        else:
            messages.error(self.request, "The connection test failed: " + result.message)
        return redirect(page)
