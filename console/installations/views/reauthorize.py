"""Reauthorize: run the consent of an installed app again, e.g. after its grant broke
(the Freshworks "Settings > Reauthorize"). An account admin does it for an account-level
app from its page; a member for a user-level app from My apps. The browser then goes
through the authorization with the consent screen shown (``prompt=consent``), and the app
receives a new code for new tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.core.errors import ApplicationError
from apps.installations.models import Installation
from apps.installations.services import installation_reauthorize_start
from console.installations.links import authorize_url
from console.installations.views.common import (
    InstallationMixin,
    installation_url,
    manifest_or_none,
)
from console.installations.views.member import MyAppMixin


def authorization_level(installation: Installation) -> str:
    manifest = manifest_or_none(installation)
    return manifest.authorization if manifest is not None else "account"


def _consent_again(installation: Installation) -> str:
    return authorize_url(
        app=installation.app,
        version=installation.version,
        account=installation.account,
        prompt="consent",
    )


class InstallationReauthorizeView(InstallationMixin, View):
    """GET: what reauthorizing does; POST: record it and go to the consent screen."""

    template_name = "console/installations/installation_reauthorize.html"

    def show(self, **kwargs: Any) -> HttpResponse:
        context = {
            "installation": self.installation,
            "app": self.installation.app,
            "level": authorization_level(self.installation),
        }
        return render(self.request, self.template_name, context)

    def submit(self, **kwargs: Any) -> HttpResponse:
        installation = self.installation
        if authorization_level(installation) == "user":
            messages.info(
                self.request,
                f"Each member authorizes “{installation.app.name}” for themselves: they "
                "reauthorize it from My apps.",
            )
            return redirect(installation_url(installation))
        try:
            installation_reauthorize_start(
                installation=installation, actor=self.actor, level="account"
            )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(installation_url(installation))
        return redirect(_consent_again(installation))


class MyAppReauthorizeView(MyAppMixin, View):
    """POST: a member re-runs their own consent to a user-level app."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, installation_id: int) -> HttpResponse:
        installation = self.load(installation_id)
        if authorization_level(installation) != "user":
            messages.info(
                request,
                f"“{installation.app.name}” is authorized for the whole account: an admin "
                "reauthorizes it from its page.",
            )
            return redirect("console:installations:my_app-list")
        try:
            installation_reauthorize_start(
                installation=installation, actor=self.actor, level="user"
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("console:installations:my_app-list")
        return redirect(_consent_again(installation))
