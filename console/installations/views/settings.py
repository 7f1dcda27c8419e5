"""An installed app's settings opened by an admin: app-level, a member's user-level, and
their stored files."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.views import View

from apps.accounts.models import Membership
from apps.accounts.selectors import member_list_for_account
from apps.installations.selectors import installation_setup_missing
from apps.oauth.handoff import handoff_get, handoff_pop
from console.installations.views.common import (
    InstallationMixin,
    SettingsPage,
    file_response,
    installation_url,
)


class InstallationSettingsView(InstallationMixin, View):
    """The app-level settings the installed version declares.

    When they need setup (required settings without a value) the page leads with that.
    Right after the admin consented to an install or update that needs setup, the
    authorize step held the way back to the app for this installation
    (``apps.oauth.handoff``): a valid save, or **Skip for now**, follows it, code and
    ``state`` included.
    """

    SKIP = "skip"

    def page(self) -> SettingsPage:
        handoff = handoff_get(self.request.session, installation_id=self.installation.pk)
        missing = installation_setup_missing(installation=self.installation)
        return SettingsPage(
            request=self.request,
            installation=self.installation,
            level="app",
            user=None,
            actor=self.actor,
            back_url=installation_url(self.installation),
            file_url_name="console:installations:installation-file",
            file_url_kwargs={"installation_id": self.installation.pk},
            extra={
                "admin_view": True,
                "setup_missing": [s.label for s in missing],
                "handoff": handoff,
            },
        )

    def show(self, **kwargs: Any) -> HttpResponse:
        return self.page().render()

    def submit(self, **kwargs: Any) -> HttpResponse:
        if self.request.POST.get("setup") == self.SKIP:
            return self.continue_to_app(skipped=True)
        return self.page().save(done=self.continue_to_app)

    def continue_to_app(self, *, skipped: bool = False) -> HttpResponse:
        """On to the app when an authorization waits for this installation's setup (the
        address the authorize step held, never one from the request); else back to the
        installed app's page (skipping) or to this form (saved)."""
        handoff = handoff_pop(self.request.session, installation_id=self.installation.pk)
        if handoff is not None:
            return HttpResponseRedirect(handoff.redirect_uri)
        if skipped:
            return redirect(installation_url(self.installation))
        messages.success(self.request, "Settings saved.")
        return redirect(self.request.path)


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
            actor=self.actor,
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
