"""The account admin's pages of installed apps: list, one installed app, who may use it,
update, pin, uninstall."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from apps.accounts.selectors import (
    group_list_for_account,
    member_list_for_account,
    role_list_for_account,
)
from apps.catalog.models import AppStatus
from apps.catalog.selectors import version_scope_lines
from apps.core.errors import ApplicationError, Conflict
from apps.installations.models import Installation
from apps.installations.policies import consent_split, settings_of_level
from apps.installations.selectors import (
    installation_access,
    installation_history,
    installation_list_for_account,
    installation_newer_versions,
    installation_pending_update,
    installation_setup_missing,
    installation_setup_missing_for,
    installation_uninstall_job,
    installation_uninstall_jobs_for_account,
    installation_updates_for_account,
    installation_webhooks,
)
from apps.installations.services import (
    installation_access_set,
    installation_pin,
    installation_uninstall,
    installation_update,
    installation_update_plan,
)
from apps.jobs.models import Job
from apps.webhooks.selectors import (
    delivery_health_for_installation,
    subscription_health_for_installation,
)
from console.access import AccountAdminRequiredMixin
from console.diffs import manifest_diff_shown
from console.embedding.menu import settings_pages_for
from console.forms import form_add_application_error
from console.installations.forms import AccessForm, UpdateForm
from console.installations.views.common import (
    InstallationMixin,
    event_line,
    installation_url,
    logo_visible,
    manifest_or_none,
    scope_rows,
)
from console.jobs.pages import job_failure_summary


def app_deleting(installation: Installation) -> bool:
    """Whether the installed app is being deleted by its developer: it no longer works
    and goes away by itself, so nothing is offered to update, pin or set up. No query:
    the installations selectors load the app."""
    return bool(installation.app.status == AppStatus.DELETING)


def webhooks_with_health(installation: Installation) -> list[Any]:
    """The installation's subscriptions, each with its ``health`` row (None: healthy)."""
    health = subscription_health_for_installation(installation_id=installation.pk)
    webhooks = list(installation_webhooks(installation=installation))
    for w in webhooks:
        w.health = health.get(w.pk)  # type: ignore[attr-defined]
    return webhooks


class InstallationListView(AccountAdminRequiredMixin, View):
    """The account's installed apps, with the ones that have a newer version, an update
    waiting for approval, required settings still empty ("Needs setup"), a pin, an
    uninstall in progress or stopped, or an app its developer is deleting marked."""

    def get(self, request: HttpRequest) -> HttpResponse:
        installations = list(installation_list_for_account(account=self.account))
        updates = installation_updates_for_account(account=self.account)
        jobs = installation_uninstall_jobs_for_account(account=self.account)
        setup = installation_setup_missing_for(installations=installations)
        rows = []
        for i in installations:
            deleting = app_deleting(i)
            rows.append(
                {
                    "installation": i,
                    "update": None if deleting else updates.get(i.pk),
                    "pending": None if deleting else installation_pending_update(installation=i),
                    "needs_setup": not deleting and i.pk in setup,
                    "job": jobs.get(i.pk),
                    "app_deleting": deleting,
                    "show_logo": logo_visible(i, self.account),
                }
            )
        return render(request, "console/installations/installation_list.html", {"rows": rows})


class InstallationDetailView(InstallationMixin, View):
    """One installed app: what it may do, where it appears, who uses it, what happened."""

    requires_active = False

    def show(self, **kwargs: Any) -> HttpResponse:
        installation = self.installation
        deleting = app_deleting(installation)
        # What an admin may still change: nothing while it is uninstalled, and no update,
        # pin or settings while its developer deletes the app.
        changeable = installation.is_active and not deleting
        manifest = manifest_or_none(installation)
        user_settings = bool(manifest and settings_of_level(manifest.settings, "user"))
        app_settings = bool(manifest and settings_of_level(manifest.settings, "app"))
        job = (
            None
            if installation.is_active
            else installation_uninstall_job(installation=installation)
        )
        context = {
            "installation": installation,
            "app": installation.app,
            "manifest": manifest,
            "scopes": scope_rows(installation.granted_scopes),
            "webhooks": webhooks_with_health(installation),
            "deliveries": delivery_health_for_installation(installation_id=installation.pk),
            "settings_pages": settings_pages_for(self.request, installation_id=installation.pk)
            if changeable
            else [],
            "access": installation_access(installation=installation),
            "history": [
                {"event": e, "line": event_line(e)}
                for e in installation_history(installation=installation)
            ],
            "newer": installation_newer_versions(installation=installation) if changeable else [],
            "pending": installation_pending_update(installation=installation)
            if changeable
            else None,
            "job": job,
            "uninstall_failure": job_failure_summary(job)
            if job is not None and job.state == Job.State.FAILED
            else "",
            "app_deleting": deleting,
            "changeable": changeable,
            "app_settings": app_settings and changeable,
            "has_connection": changeable
            and manifest is not None
            and manifest.connection.type != "none",
            "setup_missing": [
                s.label for s in installation_setup_missing(installation=installation)
            ]
            if changeable
            else [],
            "user_settings": user_settings and changeable,
            "members": list(member_list_for_account(account=self.account).order_by("user__email"))
            if user_settings and changeable
            else [],
            "show_logo": logo_visible(installation, self.account),
        }
        return render(self.request, "console/installations/installation_detail.html", context)


class InstallationAccessView(InstallationMixin, View):
    """Who may use the app: every member, or chosen roles and groups; nothing chosen means
    admins only."""

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
                    actor=self.actor,
                    everyone=form.cleaned_data["everyone"],
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                self.installation.refresh_from_db()
                access = installation_access(installation=self.installation)
                names = [*access.role_names, *access.group_names]
                who = (
                    "every member"
                    if access.everyone
                    else "admins only"
                    if access.admins_only
                    else ", ".join(names) + " and admins"
                )
                messages.success(
                    self.request, f"“{self.installation.app.name}” can now be used by {who}."
                )
                return redirect(installation_url(self.installation))
        return self.show(form=form)


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
            reasons = {line.scope: line.reason for line in version_scope_lines(version=target)}
            context.update(
                plan=plan,
                approved=scope_rows(split.already_approved, reasons),
                new_scopes=scope_rows(split.new, reasons),
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
                actor=self.actor,
                consent=form.cleaned_data["consent"],
            )
        except ApplicationError as exc:
            if exc.code == "consent_required":
                form.add_error("consent", "Agree to the new access to update, or cancel.")
            else:
                form_add_application_error(form, exc)
            return self.show(form=form)
        messages.success(
            self.request, f"“{updated.app.name}” is updated to version {updated.version.number}."
        )
        return redirect(installation_url(updated))


class InstallationPinView(InstallationMixin, View):
    """POST only: keep the installation on its version (``pinned = True``) or let new
    versions install automatically again."""

    pinned = True

    def show(self, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["POST"])

    def submit(self, **kwargs: Any) -> HttpResponse:
        installation = self.installation
        try:
            installation_pin(
                installation=installation,
                pinned=self.pinned,
                actor=self.actor,
            )
        except Conflict as exc:
            messages.info(self.request, exc.message)
        else:
            app, number = installation.app.name, installation.version.number
            messages.success(
                self.request,
                f"“{app}” is pinned to version {number}: new versions are not installed "
                "automatically."
                if self.pinned
                else f"“{app}” is unpinned: new versions that ask for no more access are "
                "installed automatically.",
            )
        return redirect(installation_url(installation))


class InstallationUnpinView(InstallationPinView):
    pinned = False


class InstallationUninstallView(InstallationMixin, View):
    """GET: the confirmation page; POST: uninstall (tokens refused at once), then the
    page of the job that removes the app's data."""

    def show(self, **kwargs: Any) -> HttpResponse:
        return render(
            self.request,
            "console/installations/installation_uninstall.html",
            {"installation": self.installation, "app": self.installation.app},
        )

    def submit(self, **kwargs: Any) -> HttpResponse:
        try:
            installation_uninstall(installation=self.installation, actor=self.actor)
        except Conflict as exc:
            messages.info(self.request, exc.message)
            return redirect(installation_url(self.installation))
        # No message: the job's page says what is happening in its live block, which
        # stops saying it once the job has ended (a message would stay on the page).
        job = installation_uninstall_job(installation=self.installation)
        if job is None:
            return redirect(installation_url(self.installation))
        return redirect(reverse("console:jobs:job-detail", kwargs={"job_id": job.pk}))
