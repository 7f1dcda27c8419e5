"""What the installed-app pages share: the admin's and the member's mixins, the
settings form page, file downloads, scope and history wording."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.actors import Actor
from apps.accounts.models import Account, User
from apps.catalog.manifests.types import Manifest
from apps.catalog.selectors import version_manifest
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.installations.models import Installation, InstallationEvent
from apps.installations.selectors import (
    installation_get_for,
    installation_settings,
    setting_file_get,
)
from apps.installations.services import installation_settings_save
from apps.scopes.policies import UnknownScope, scope_phrase
from console.access import AccountAdminRequiredMixin, access_errors
from console.installations.forms import SettingsForm, clear_field_name, setting_field_name


def installation_url(
    installation: Installation, name: str = "installation-detail", **kw: Any
) -> str:
    return reverse(
        f"console:installations:{name}", kwargs={"installation_id": installation.pk, **kw}
    )


def scope_rows(scopes: Any, reasons: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Scopes as ``{scope, phrase, reason}``; a scope the catalog no longer knows keeps
    its code. ``reasons`` maps scopes to the developer's reason for asking."""
    rows = []
    for scope in scopes:
        try:
            phrase = scope_phrase(scope)
        except (UnknownScope, KeyError, ValueError):
            phrase = scope
        rows.append({"scope": scope, "phrase": phrase, "reason": (reasons or {}).get(scope, "")})
    return rows


def logo_visible(installation: Installation, account: Account) -> bool:
    """Whether the account's members may load the app's logo without a query per row:
    the app is in the public catalog, or the account develops it. Otherwise the page
    shows the app's initial rather than a broken image."""
    app = installation.app
    if not app.logo:
        return False
    if app.account_id == account.pk:
        return True
    return app.type == "public" and app.is_listed and app.status == "active"


def event_line(event: InstallationEvent) -> str:
    """One history entry in words (never a secret: settings events carry keys only)."""
    detail = event.detail or {}
    kind = event.kind
    if kind == InstallationEvent.Kind.INSTALLED:
        return f"Installed version {detail.get('version', '')}."
    if kind == InstallationEvent.Kind.UPDATED:
        how = (
            "automatically (the access it had covers the new version) "
            if detail.get("automatic")
            else ""
        )
        text = f"Updated {how}from {detail.get('from', '')} to {detail.get('to', '')}."
        if detail.get("scopes_added"):
            text += " New access: " + ", ".join(detail["scopes_added"]) + "."
        if detail.get("scopes_removed"):
            text += " Access removed: " + ", ".join(detail["scopes_removed"]) + "."
        return text
    if kind == InstallationEvent.Kind.ACCESS_CHANGED:
        after = detail.get("after") or {}
        names = [*(["every member"] if after.get("everyone") else [])]
        names += [*after.get("roles", []), *after.get("groups", [])]
        why = f" ({detail['why']})" if detail.get("why") else ""
        return "Access set to " + (", ".join(names) if names else "admins only") + why + "."
    if kind == InstallationEvent.Kind.SETTINGS_CHANGED:
        who = f" of {detail['user']}" if detail.get("user") else ""
        level = "User" if detail.get("level") == "user" else "App"
        return f"{level} settings{who} changed: " + ", ".join(detail.get("keys", [])) + "."
    if kind == InstallationEvent.Kind.USER_AUTHORIZED:
        return "Authorized the app for themselves."
    if kind == InstallationEvent.Kind.REAUTHORIZE_STARTED:
        whose = "their own" if detail.get("level") == "user" else "the account's"
        return f"Reauthorization started: {whose} consent to the app runs again."
    if kind == InstallationEvent.Kind.UNINSTALL_REQUESTED:
        return "Uninstall requested: tokens refused, data removal pending."
    if kind == InstallationEvent.Kind.UPDATE_NEEDS_APPROVAL:
        scopes = ", ".join(detail.get("new_scopes", []))
        return (
            f"Version {detail.get('to', '')} was not installed automatically: it also asks "
            f"for {scopes}. An admin can review it and update."
        )
    if kind == InstallationEvent.Kind.PINNED:
        return (
            f"Pinned to version {detail.get('version', '')}: new versions are not installed "
            "automatically."
        )
    if kind == InstallationEvent.Kind.UNPINNED:
        return "Unpinned: new versions that ask for no more access are installed automatically."
    return connection_event_line(event) or event.get_kind_display()


def connection_event_line(event: InstallationEvent) -> str:
    """A connection's history entry in words (parameter keys only, never a value)."""
    detail = event.detail or {}
    kind = event.kind
    if kind == InstallationEvent.Kind.CONNECTION_SAVED:
        return "Connection parameters changed: " + ", ".join(detail.get("keys", [])) + "."
    if kind == InstallationEvent.Kind.CONNECTED:
        return "Connected to the outside service."
    if kind == InstallationEvent.Kind.RECONNECTED:
        revoked = (
            " The tokens issued for the previous version were revoked at its outside service."
            if detail.get("revoked_stale")
            else ""
        )
        return "Connected to the outside service again." + revoked
    if kind == InstallationEvent.Kind.CONNECTION_NEEDS_RECONNECT:
        return "Needs reconnect: " + str(detail.get("problem", ""))
    if kind == InstallationEvent.Kind.DISCONNECTED:
        return "Disconnected: the tokens were revoked at the outside service and removed."
    if kind == InstallationEvent.Kind.CONNECTION_REFRESH_FAILED:
        return "Refreshing the tokens failed: " + str(detail.get("problem", ""))
    return ""


def manifest_or_none(installation: Installation) -> Manifest | None:
    try:
        return version_manifest(installation.version)
    except NotFound:
        return None


class InstallationMixin(AccountAdminRequiredMixin):
    """An installation of the current account, for its admins. ``requires_active``: the
    page changes the installation, so while it is being uninstalled it sends the admin
    back to the installed app page, which says why."""

    installation: Installation
    requires_active = True
    request: HttpRequest

    def setup_installation(self, installation_id: Any) -> HttpResponse | None:
        with access_errors():
            self.installation = installation_get_for(
                actor=self.actor, installation_id=installation_id
            )
        if self.requires_active and not self.installation.is_active:
            messages.warning(
                self.request,
                f"“{self.installation.app.name}” was uninstalled: nothing about it can change "
                "any more.",
            )
            return redirect(installation_url(self.installation))
        return None

    def get(self, request: HttpRequest, installation_id: int, **kwargs: Any) -> HttpResponse:
        return self.setup_installation(installation_id) or self.show(**kwargs)

    def post(self, request: HttpRequest, installation_id: int, **kwargs: Any) -> HttpResponse:
        return self.setup_installation(installation_id) or self.submit(**kwargs)

    def show(self, **kwargs: Any) -> HttpResponse:
        raise NotImplementedError

    def submit(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["GET", "HEAD"])


class SettingsPage:
    """The settings form of one level for one person, shown and saved the same way on
    the admin's and the member's pages."""

    template_name = "console/installations/installation_settings.html"

    def __init__(
        self,
        *,
        request: HttpRequest,
        installation: Installation,
        level: str,
        user: User | None,
        actor: Actor,
        back_url: str,
        file_url_name: str,
        file_url_kwargs: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        self.request = request
        self.installation = installation
        self.level = level
        self.user = user
        self.actor = actor
        self.back_url = back_url
        self.file_url_name = file_url_name
        self.file_url_kwargs = file_url_kwargs
        self.extra = extra

    def form(self, data: Any = None, files: Any = None) -> SettingsForm:
        with access_errors():
            fields = installation_settings(
                installation=self.installation, level=self.level, user=self.user
            )
        return SettingsForm(data, files, setting_fields=fields)

    def render(self, form: SettingsForm | None = None, status: int = 200) -> HttpResponse:
        form = form or self.form()
        rows = []
        for item in form.setting_fields:
            key = item.setting.key
            clear_name = clear_field_name(key)
            rows.append(
                {
                    "item": item,
                    "field": form[setting_field_name(key)],
                    "clear": form[clear_name] if clear_name in form.fields else None,
                    "file_url": reverse(
                        self.file_url_name, kwargs={**self.file_url_kwargs, "key": key}
                    )
                    if item.setting.type == "file" and item.is_set
                    else "",
                }
            )
        context = {
            "installation": self.installation,
            "app": self.installation.app,
            "form": form,
            "rows": rows,
            "level": self.level,
            "back_url": self.back_url,
            **self.extra,
        }
        return render(self.request, self.template_name, context, status=status)

    def save(self, *, done: Callable[[], HttpResponse] | None = None) -> HttpResponse:
        """Save the posted form; on success ``done()`` answers (by default: this page
        again, with "Settings saved.")."""
        form = self.form(self.request.POST, self.request.FILES)
        if form.is_valid():
            try:
                installation_settings_save(
                    installation=self.installation,
                    level=self.level,
                    user=self.user,
                    values=form.setting_values(),
                    files=form.setting_files(),
                    clear=form.clear_keys(),
                    actor=self.actor,
                )
            except Conflict as exc:
                messages.error(self.request, exc.message)
                return redirect(self.back_url)
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                if done is not None:
                    return done()
                messages.success(self.request, "Settings saved.")
                return redirect(self.request.path)
        self._ask_secrets_again(form)
        return self.render(form)

    @staticmethod
    def _ask_secrets_again(form: SettingsForm) -> None:
        """Nothing was saved and a secret is never sent back to the browser: say so next
        to each secret that was typed, so it is not lost unnoticed."""
        for key, item in form.by_key.items():
            name = setting_field_name(key)
            typed = form.data.get(name, "")
            if item.setting.type == "secret" and typed and name not in form.errors:
                form.add_error(name, "Nothing was saved: type the secret again.")


def file_response(installation: Installation, key: str, user: User | None) -> FileResponse:
    """The stored file of a file setting, as an attachment under the name it was
    uploaded with; 404 when none is stored."""
    with access_errors():
        row = setting_file_get(installation=installation, key=key, user=user)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(handle, as_attachment=True, filename=row.file_name or "file")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
