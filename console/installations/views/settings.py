"""An installed app's settings opened by an admin: app-level, a member's user-level, and
their stored files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views import View

from apps.accounts.models import Membership
from apps.accounts.selectors import member_list_for_account
from console.installations.views.common import (
    InstallationMixin,
    SettingsPage,
    file_response,
    installation_url,
)


class InstallationSettingsView(InstallationMixin, View):
    """The app-level settings the installed version declares."""

    def page(self) -> SettingsPage:
        return SettingsPage(
            request=self.request,
            installation=self.installation,
            level="app",
            user=None,
            membership=self.membership,
            back_url=installation_url(self.installation),
            file_url_name="console:installations:installation-file",
            file_url_kwargs={"installation_id": self.installation.pk},
            extra={"admin_view": True},
        )

    def show(self, **kwargs: Any) -> HttpResponse:
        return self.page().render()

    def submit(self, **kwargs: Any) -> HttpResponse:
        return self.page().save()


class MemberTargetMixin(InstallationMixin):
    """An admin's page about one member's own values (``user_id`` in the URL)."""

    target: Membership
    kwargs: dict[str, Any]

    def setup_installation(self, installation_id: Any) -> HttpResponse | None:
        response = super().setup_installation(installation_id)
        user_id = self.kwargs.get("user_id")
        target = (
            member_list_for_account(account=self.account).filter(user_id=user_id).first()
            if isinstance(user_id, int)
            else None
        )
        if target is None:
            raise Http404("No such member in this account.")
        self.target = target
        return response


class InstallationUserSettingsView(MemberTargetMixin, View):
    """A member's user-level settings, opened by an admin."""

    def page(self) -> SettingsPage:
        return SettingsPage(
            request=self.request,
            installation=self.installation,
            level="user",
            user=self.target.user,
            membership=self.membership,
            back_url=installation_url(self.installation),
            file_url_name="console:installations:installation-user_file",
            file_url_kwargs={
                "installation_id": self.installation.pk,
                "user_id": self.target.user_id,
            },
            extra={"admin_view": True, "target": self.target.user},
        )

    def show(self, **kwargs: Any) -> HttpResponse:
        return self.page().render()

    def submit(self, **kwargs: Any) -> HttpResponse:
        return self.page().save()


class InstallationUserPickView(InstallationMixin, View):
    """The member picker's GET form: on to that member's settings page."""

    def show(self, **kwargs: Any) -> HttpResponse:
        raw = self.request.GET.get("user", "")
        target = (
            member_list_for_account(account=self.account).filter(user_id=int(raw)).first()
            if raw.isdigit()
            else None
        )
        if target is None:
            messages.error(self.request, "Choose a member of this account.")
            return redirect(installation_url(self.installation))
        return redirect(
            installation_url(
                self.installation, "installation-user_settings", user_id=target.user_id
            )
        )


class InstallationFileView(InstallationMixin, View):
    """Download an app-level setting file (admins)."""

    requires_active = False

    def show(self, key: str = "", **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return file_response(self.installation, key, None)


class InstallationUserFileView(MemberTargetMixin, View):
    """Download a member's user-level setting file (admins)."""

    requires_active = False

    def show(self, key: str = "", **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return file_response(self.installation, key, self.target.user)
