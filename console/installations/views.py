"""Installed apps in the console: the account admin's pages (list, one installed app,
who may use it, its settings, update, uninstall) and every member's own apps page with
their user-level settings.

Every read goes through an installations selector scoped to the current account, so
another account's installation is a 404; a member who is not an admin gets 403 on the
admin pages. Writes call the installations services and come back with a message
(POST-redirect-GET); a refusal is shown on the form with nothing written.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.models import Account, Membership, User
from apps.accounts.selectors import (
    group_list_for_account,
    member_list_for_account,
    role_list_for_account,
)
from apps.catalog.manifests.types import Manifest
from apps.catalog.selectors import version_manifest
from apps.catalog.services import By
from apps.core.errors import ApplicationError, Conflict, NotFound
from apps.installations.models import Installation, InstallationEvent
from apps.installations.policies import (
    STANDALONE_LOCATIONS,
    consent_split,
    embedding_launch_url,
    settings_of_level,
)
from apps.installations.selectors import (
    installation_access,
    installation_get,
    installation_history,
    installation_list_for_account,
    installation_member_may_use,
    installation_newer_versions,
    installation_settings,
    installation_updates_for_account,
    installation_webhooks,
    setting_file_get,
)
from apps.installations.services import (
    installation_access_set,
    installation_settings_save,
    installation_uninstall,
    installation_update,
    installation_update_plan,
)
from apps.scopes.policies import UnknownScope, scope_phrase
from console.access import AccountAdminRequiredMixin, access_errors
from console.diffs import manifest_diff_shown
from console.installations.forms import (
    AccessForm,
    SettingsForm,
    UpdateForm,
    clear_field_name,
    setting_field_name,
)


def installation_url(
    installation: Installation, name: str = "installation-detail", **kw: Any
) -> str:
    return reverse(
        f"console:installations:{name}", kwargs={"installation_id": installation.pk, **kw}
    )


def scope_rows(scopes: Any) -> list[dict[str, str]]:
    """Scopes as ``{scope, phrase}``; a scope the catalog no longer knows keeps its code."""
    rows = []
    for scope in scopes:
        try:
            phrase = scope_phrase(scope)
        except (UnknownScope, KeyError, ValueError):
            phrase = scope
        rows.append({"scope": scope, "phrase": phrase})
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
        text = f"Updated from {detail.get('from', '')} to {detail.get('to', '')}."
        if detail.get("scopes_added"):
            text += " New access: " + ", ".join(detail["scopes_added"]) + "."
        if detail.get("scopes_removed"):
            text += " Access removed: " + ", ".join(detail["scopes_removed"]) + "."
        return text
    if kind == InstallationEvent.Kind.ACCESS_CHANGED:
        after = detail.get("after") or {}
        names = [*after.get("roles", []), *after.get("groups", [])]
        return "Access set to " + (", ".join(names) if names else "admins only") + "."
    if kind == InstallationEvent.Kind.SETTINGS_CHANGED:
        who = f" of {detail['user']}" if detail.get("user") else ""
        level = "User" if detail.get("level") == "user" else "App"
        return f"{level} settings{who} changed: " + ", ".join(detail.get("keys", [])) + "."
    if kind == InstallationEvent.Kind.USER_AUTHORIZED:
        return "Authorized the app for themselves."
    if kind == InstallationEvent.Kind.UNINSTALL_REQUESTED:
        return "Uninstall requested: tokens refused, data removal pending."
    return event.get_kind_display()


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
            self.installation = installation_get(
                account=self.account, installation_id=installation_id
            )
        if self.requires_active and not self.installation.is_active:
            messages.warning(
                self.request,
                f"“{self.installation.app.name}” is being uninstalled: nothing about it can "
                "change any more.",
            )
            return redirect(installation_url(self.installation))
        return None

    def by(self) -> By:
        return By.user_(self.request.user)  # type: ignore[arg-type]

    def get(self, request: HttpRequest, installation_id: int, **kwargs: Any) -> HttpResponse:
        return self.setup_installation(installation_id) or self.show(**kwargs)

    def post(self, request: HttpRequest, installation_id: int, **kwargs: Any) -> HttpResponse:
        return self.setup_installation(installation_id) or self.submit(**kwargs)

    def show(self, **kwargs: Any) -> HttpResponse:
        raise NotImplementedError

    def submit(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["GET", "HEAD"])


class InstallationListView(AccountAdminRequiredMixin, View):
    """The account's installed apps, with the ones that have a newer version marked."""

    def get(self, request: HttpRequest) -> HttpResponse:
        installations = list(installation_list_for_account(account=self.account))
        updates = installation_updates_for_account(account=self.account)
        rows = [
            {
                "installation": i,
                "update": updates.get(i.pk),
                "show_logo": logo_visible(i, self.account),
            }
            for i in installations
        ]
        return render(request, "console/installations/installation_list.html", {"rows": rows})


class InstallationDetailView(InstallationMixin, View):
    """One installed app: what it may do, where it appears, who uses it, what happened."""

    requires_active = False

    def show(self, **kwargs: Any) -> HttpResponse:
        installation = self.installation
        manifest = manifest_or_none(installation)
        user_settings = bool(manifest and settings_of_level(manifest.settings, "user"))
        app_settings = bool(manifest and settings_of_level(manifest.settings, "app"))
        context = {
            "installation": installation,
            "app": installation.app,
            "manifest": manifest,
            "scopes": scope_rows(installation.granted_scopes),
            "webhooks": list(installation_webhooks(installation=installation)),
            "access": installation_access(installation=installation),
            "history": [
                {"event": e, "line": event_line(e)}
                for e in installation_history(installation=installation)
            ],
            "newer": installation_newer_versions(installation=installation)
            if installation.is_active
            else [],
            "app_settings": app_settings,
            "user_settings": user_settings,
            "members": list(member_list_for_account(account=self.account).order_by("user__email"))
            if user_settings and installation.is_active
            else [],
            "show_logo": logo_visible(installation, self.account),
        }
        return render(self.request, "console/installations/installation_detail.html", context)


class InstallationAccessView(InstallationMixin, View):
    """Which roles and groups may use the app; none selected means admins only."""

    template_name = "console/installations/installation_access.html"

    def form(self, data: Any = None) -> AccessForm:
        return AccessForm(
            data,
            roles=list(role_list_for_account(account=self.account).order_by("name")),
            groups=list(group_list_for_account(account=self.account).order_by("name")),
            access=installation_access(installation=self.installation),
        )

    def show(self, form: AccessForm | None = None, **kwargs: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "installation": self.installation,
                "app": self.installation.app,
                "form": form or self.form(),
            },
        )

    def submit(self, **kwargs: Any) -> HttpResponse:
        form = self.form(self.request.POST)
        if form.is_valid():
            try:
                installation_access_set(
                    installation=self.installation,
                    role_ids=[int(pk) for pk in form.cleaned_data["roles"]],
                    group_ids=[int(pk) for pk in form.cleaned_data["groups"]],
                    by=self.by(),
                    membership=self.membership,
                )
            except ApplicationError as exc:
                for name, problems in exc.fields.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                access = installation_access(installation=self.installation)
                who = (
                    "admins only"
                    if access.admins_only
                    else ", ".join([*access.role_names, *access.group_names]) + " and admins"
                )
                messages.success(
                    self.request, f"“{self.installation.app.name}” can now be used by {who}."
                )
                return redirect(installation_url(self.installation))
        return self.show(form=form)


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
        membership: Membership,
        back_url: str,
        file_url_name: str,
        file_url_kwargs: dict[str, Any],
        extra: dict[str, Any],
    ) -> None:
        self.request = request
        self.installation = installation
        self.level = level
        self.user = user
        self.membership = membership
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

    def save(self) -> HttpResponse:
        form = self.form(self.request.POST, self.request.FILES)
        if form.is_valid():
            try:
                installation_settings_save(
                    installation=self.installation,
                    level=self.level,
                    user=self.user,
                    values=form.setting_values(),
                    files=form.setting_files(),
                    clear_files=form.clear_files(),
                    by=By.user_(self.request.user),  # type: ignore[arg-type]
                    membership=self.membership,
                )
            except Conflict as exc:
                messages.error(self.request, exc.message)
                return redirect(self.back_url)
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(self.request, "Settings saved.")
                return redirect(self.request.path)
        return self.render(form)


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


class InstallationUpdateView(InstallationMixin, View):
    """Move the installation to a newer published version; re-consent when it asks for
    more access than was granted."""

    template_name = "console/installations/installation_update.html"

    def show(
        self, form: UpdateForm | None = None, status: int = 200, **kwargs: Any
    ) -> HttpResponse:
        installation = self.installation
        versions = installation_newer_versions(installation=installation)
        if form is None:
            wanted = self.request.GET.get("version", "")
            initial = wanted if any(v.number == wanted for v in versions) else ""
            if not initial and versions:
                initial = versions[0].number
            form = UpdateForm(initial={"version": initial}, versions=versions)
            target = next((v for v in versions if v.number == initial), None)
        else:
            number = form.data.get("version", "")
            target = next((v for v in versions if v.number == number), None)
        context: dict[str, Any] = {
            "installation": installation,
            "app": installation.app,
            "versions": versions,
            "form": form,
            "target": target,
        }
        if target is not None:
            plan = installation_update_plan(installation=installation, version=target)
            split = consent_split(requested=plan.scopes_after, approved=plan.scopes_before)
            shown = manifest_diff_shown(version=target, against=installation.version)
            context.update(
                plan=plan,
                approved=scope_rows(split.already_approved),
                new_scopes=scope_rows(split.new),
                removed=scope_rows(plan.removed),
                diff=shown["diff"],
                diff_error=shown["error"],
            )
        return render(self.request, self.template_name, context, status=status)

    def submit(self, **kwargs: Any) -> HttpResponse:
        versions = installation_newer_versions(installation=self.installation)
        form = UpdateForm(self.request.POST, versions=versions)
        if not form.is_valid():
            return self.show(form=form)
        version = form.chosen()
        try:
            updated = installation_update(
                installation=self.installation,
                version=version,
                by=self.by(),
                membership=self.membership,
                consent=form.cleaned_data["consent"],
            )
        except ApplicationError as exc:
            if exc.code == "consent_required":
                form.add_error("consent", "Agree to the new access to update, or cancel.")
            else:
                for name, problems in exc.fields.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
                if not exc.fields:
                    form.add_error(None, exc.message)
            return self.show(form=form)
        messages.success(
            self.request, f"“{updated.app.name}” is updated to version {updated.version.number}."
        )
        return redirect(installation_url(updated))


class InstallationUninstallView(InstallationMixin, View):
    """GET: the confirmation page; POST: uninstall (tokens refused at once)."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return render(
            self.request,
            "console/installations/installation_uninstall.html",
            {"installation": self.installation, "app": self.installation.app},
        )

    def submit(self, **kwargs: Any) -> HttpResponse:
        try:
            installation_uninstall(
                installation=self.installation, by=self.by(), membership=self.membership
            )
        except Conflict as exc:
            messages.info(self.request, exc.message)
        else:
            messages.success(
                self.request,
                f"“{self.installation.app.name}” is being uninstalled. Its tokens stop working "
                "now; its settings, files, webhooks and access rules are removed next.",
            )
        return redirect(installation_url(self.installation))


# --- every member: the apps they use ----------------------------------------------------------


class MemberRequiredMixin(LoginRequiredMixin):
    """A member of the current account (``request.membership``)."""

    membership: Membership

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = getattr(request, "membership", None)
        if membership is None:
            raise HttpPermissionDenied("You do not belong to any account yet.")
        self.membership = membership
        return super().dispatch(request, *args, **kwargs)


class MyAppListView(MemberRequiredMixin, View):
    """The apps installed on the account that the member may use, where they appear,
    and a link to the member's own settings where the app has any."""

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = []
        for installation in installation_list_for_account(account=self.membership.account):
            if not installation.is_active or installation.app.status != "active":
                continue
            if not installation_member_may_use(
                installation=installation, membership=self.membership
            ):
                continue
            manifest = manifest_or_none(installation)
            rows.append(
                {
                    "installation": installation,
                    "embeddings": list(manifest.embeddings) if manifest else [],
                    "user_settings": bool(
                        manifest and settings_of_level(manifest.settings, "user")
                    ),
                    "show_logo": logo_visible(installation, self.membership.account),
                }
            )
        return render(
            request,
            "console/installations/my_app_list.html",
            {"rows": rows, "standalone": STANDALONE_LOCATIONS},
        )


class MyAppMixin(MemberRequiredMixin):
    """One app the member may use on the current account: another account's (or one
    being uninstalled) is a 404; one the member has no access to a 403."""

    installation: Installation
    request: HttpRequest

    def load(self, installation_id: Any) -> Installation:
        with access_errors():
            installation = installation_get(
                account=self.membership.account, installation_id=installation_id
            )
        if not installation.is_active:
            raise Http404("This app is being uninstalled.")
        if not installation_member_may_use(installation=installation, membership=self.membership):
            raise HttpPermissionDenied(
                f"You have no access to “{installation.app.name}”. Ask an admin of "
                f"{self.membership.account.name} for it."
            )
        self.installation = installation
        return installation

    def page(self) -> SettingsPage:
        return SettingsPage(
            request=self.request,
            installation=self.installation,
            level="user",
            user=self.request.user,  # type: ignore[arg-type]
            membership=self.membership,
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


class MyAppOpenView(MyAppMixin, View):
    """An installed app's page opened inside the console: its embedding (one that needs
    no record) in a frame, with the launch context in the frame's address."""

    def get(self, request: HttpRequest, installation_id: int, embedding_id: str) -> HttpResponse:
        installation = self.load(installation_id)
        if installation.app.status != "active":
            raise Http404(f"“{installation.app.name}” is not available at the moment.")
        manifest = manifest_or_none(installation)
        embedding = next(
            (e for e in (manifest.embeddings if manifest else ()) if e.id == embedding_id), None
        )
        if embedding is None or embedding.location not in STANDALONE_LOCATIONS:
            raise Http404("The app has no page to open here.")
        account = self.membership.account
        src = embedding_launch_url(
            embedding.url,
            protocol=request.scheme or "https",
            domain=f"{account.slug}.{settings.PRODUCT_DOMAIN}",
            language=account.language,
            code=embedding.code,
            embedding_id=embedding.id,
            app_code=str(installation.app.code),
            version=installation.version.number,
        )
        return render(
            request,
            "console/installations/my_app_open.html",
            {"installation": installation, "embedding": embedding, "src": src},
        )
