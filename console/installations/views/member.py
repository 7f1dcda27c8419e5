"""Every member's own apps: the ones they may use and their user-level settings (an
app's page opens in the console through ``console.embedding``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from apps.installations.models import Installation
from apps.installations.policies import STANDALONE_LOCATIONS, settings_of_level
from apps.installations.selectors import (
    installation_get_for_use,
    installation_list_usable_for,
)
from console.access import MemberRequiredMixin, access_errors
from console.installations.views.common import (
    SettingsPage,
    file_response,
    logo_visible,
    manifest_or_none,
)


class MyAppListView(MemberRequiredMixin, View):
    """The apps installed on the account that the member may use, where they appear,
    and a link to the member's own settings where the app has any."""

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = []
        for installation in installation_list_usable_for(actor=self.actor):
            manifest = manifest_or_none(installation)
            rows.append(
                {
                    "installation": installation,
                    "embeddings": list(manifest.embeddings) if manifest else [],
                    "user_settings": bool(
                        manifest and settings_of_level(manifest.settings, "user")
                    ),
                    "show_logo": logo_visible(installation, self.membership.account),
                    "user_level": bool(manifest and manifest.authorization == "user"),
                }
            )
        return render(
            request,
            "console/installations/my_app_list.html",
            {"rows": rows, "standalone": STANDALONE_LOCATIONS},
        )


class MyAppMixin(MemberRequiredMixin):
    """One app the member may use on the current account (``installation_get_for_use``):
    another account's (or one being uninstalled) is a 404; one the member has no access
    to a 403 (the settings policy ``settings_refusal``: the same rule as the API and the
    settings service)."""

    installation: Installation
    request: HttpRequest

    def load(self, installation_id: Any) -> Installation:
        with access_errors():
            self.installation = installation_get_for_use(
                actor=self.actor, installation_id=installation_id
            )
        return self.installation

    def page(self) -> SettingsPage:
        return SettingsPage(
            request=self.request,
            installation=self.installation,
            level="user",
            user=self.request.user,  # type: ignore[arg-type]
            actor=self.actor,
            back_url=reverse("console:installations:my_app-list"),
            file_url_name="console:installations:my_app-file",
            file_url_kwargs={"installation_id": self.installation.pk},
            extra={"admin_view": False},
        )


class MySettingsView(MyAppMixin, View):
    """The member's own user-level settings of one app."""

    def get(self, request: HttpRequest, installation_id: int) -> HttpResponse:
        self.load(installation_id)
        return self.page().render()

    def post(self, request: HttpRequest, installation_id: int) -> HttpResponse:
        self.load(installation_id)
        return self.page().save()


class MySettingFileView(MyAppMixin, View):
    """Download one of the member's own setting files."""

    def get(self, request: HttpRequest, installation_id: int, key: str) -> HttpResponseBase:
        self.load(installation_id)
        return file_response(self.installation, key, request.user)  # type: ignore[arg-type]
