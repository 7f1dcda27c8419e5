"""Developer Console: an app's versions and their status flow (install links:
``console.developer.link_views``).

A version's status only moves through the catalog's transition services; a refused or
lost race (``Conflict``) is shown as an error message and nothing changes. An install
link is shown once, on the page the POST that made it redirects to
(``console.shown_once``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from apps.catalog.errors import CatalogError
from apps.catalog.manifests import format_for, manifest_validate
from apps.catalog.manifests.reading import Format
from apps.catalog.models import AppStatus, AppType, AppVersion, VersionStatus
from apps.catalog.policies import (
    LISTING_FIELDS,
    version_developer_moves,
    version_install_blocker,
    version_is_editable,
)
from apps.catalog.selectors import (
    app_listing_state,
    install_link_list_for_version,
    version_get,
    version_history,
    version_last_published,
    version_previous,
    version_scope_lines,
)
from apps.catalog.services import (
    ManifestInvalid,
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_update,
    version_withdraw,
)
from apps.core.errors import ApplicationError
from apps.jobs.kinds import VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for
from console.access import access_errors
from console.developer.app_forms import VersionForm
from console.developer.app_views import AppMixin
from console.diffs import manifest_diff_shown
from console.forms import form_add_application_error
from console.installations.links import install_action


def version_url(version: AppVersion, name: str = "version-detail") -> str:
    return reverse(
        f"console:developer:{name}", kwargs={"code": version.app.code, "number": version.number}
    )


# The button of each status move a developer can make (apps.catalog.policies names them),
# and its style: the moves forward are primary; withdrawing steps back; hiding takes a
# published version away from new installs, so it never looks like the next step.
_MOVE_BUTTONS = {
    "submit": ("Submit for review", "button--primary"),
    "withdraw": ("Withdraw", ""),
    "publish": ("Publish", "button--primary"),
    "hide": ("Hide", "button--danger-ghost"),
}


def version_actions(version: AppVersion) -> list[dict[str, str]]:
    """The status moves the developer may make now, as buttons (label, URL and style). A
    rejected version goes back to draft by editing it, so it has no button of its own."""
    moves = version_developer_moves(
        app_type=version.app.type, app_status=version.app.status, status=version.status
    )
    actions = []
    for move in moves:
        label, style = _MOVE_BUTTONS[move]
        if move == "publish" and version.status == VersionStatus.HIDDEN:
            label = "Publish again"
        actions.append(
            {"label": label, "url": version_url(version, f"version-{move}"), "style": style}
        )
    return actions


def version_next_step(
    version: AppVersion, *, rollout_job: Job | None, installable: bool
) -> dict[str, Any] | None:
    """The one primary step after a version is published: get a public app that is not
    listed into the marketplace (fill in the listing first when the catalog's rule finds
    text missing), else follow the rollout to installed accounts, else install it on the
    developer's own account. ``None`` for any other status."""
    app = version.app
    if version.status != VersionStatus.PUBLISHED or app.status == AppStatus.DELETING:
        return None
    if app.type == AppType.PUBLIC and not app.is_listed:
        listing = app_listing_state(app=app)
        if not listing.problems:
            return {
                "key": "list",
                "label": "List in catalog",
                "url": reverse("console:developer:app-list_in_catalog", kwargs={"code": app.code}),
                "post": True,
                "note": "Published: list the app so every account can find it in the catalog.",
            }
        if not listing.text_complete and set(listing.problems) <= set(LISTING_FIELDS):
            missing = ", ".join(label.lower() for label in listing.missing)
            return {
                "key": "listing",
                "label": "Fill in the listing",
                "url": reverse("console:developer:app-listing", kwargs={"code": app.code}),
                "note": f"Published. To list it in the marketplace, the listing needs: {missing}.",
            }
    if rollout_job is not None:
        return {
            "key": "rollout",
            "label": "Follow the rollout",
            "url": reverse("console:jobs:job-detail", kwargs={"job_id": rollout_job.pk}),
        }
    if installable:
        return {
            "key": "install",
            "label": "Install on my account",
            "url": version_url(version, "version-install"),
        }
    return None


def _manifest_input(form: VersionForm) -> tuple[bytes | str, Format | None]:
    upload = form.cleaned_data.get("manifest_file")
    if upload is not None:
        return upload.read(), format_for(filename=upload.name)
    return form.cleaned_data["manifest"], None


def _manifest_refusal(form: VersionForm, exc: ApplicationError) -> dict[str, Any]:
    """Split a refusal: manifest problems by JSON path (``$.…``) for the problems list,
    the rest (changelog, conflicts) onto the form."""
    if isinstance(exc, ManifestInvalid):
        return {"errors": exc.check.errors, "warnings": exc.check.warnings}
    paths = {name: msgs for name, msgs in exc.fields.items() if name.startswith("$")}
    others = {name: msgs for name, msgs in exc.fields.items() if name not in paths}
    if others or not paths:
        form_add_application_error(
            form, type(exc)(exc.message, code=exc.code, fields=others, extra=exc.extra)
        )
    errors = [
        {"path": path, "code": exc.code, "message": message}
        for path, msgs in paths.items()
        for message in msgs
    ]
    return {"errors": errors, "warnings": []}


class _LoadVersion:
    """Loads ``self.version`` (of ``self.app``) from the URL's ``number``; an unknown
    number is a 404. It runs after ``app_get_for`` loaded the app for the actor (what
    ``version_get_for`` does in one call), so an app being deleted is refused with its
    message before the number is looked at, and the app is read once."""

    app: Any
    version: AppVersion

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with access_errors():
            self.version = version_get(app=self.app, number=kwargs["number"])
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class VersionMixin(AppMixin, _LoadVersion):
    """A page about one version of one of the current account's apps."""


def _save_manifest_form(view: Any, write: Callable[..., AppVersion]) -> HttpResponse:
    """Create or edit a version from the posted form with ``write`` (a service taking
    ``raw``, ``fmt``, ``changelog`` and ``by``): on success a message and the version's
    page; otherwise the form again, with every problem by JSON path."""
    form = VersionForm(view.request.POST, view.request.FILES)
    problems: dict[str, Any] = {}
    if form.is_valid():
        raw, fmt = _manifest_input(form)
        try:
            version = write(
                raw=raw, fmt=fmt, changelog=form.cleaned_data["changelog"], actor=view.actor
            )
        except ApplicationError as exc:
            problems = _manifest_refusal(form, exc)
        else:
            messages.success(view.request, f"Version {version.number} is saved as a draft.")
            return redirect(version_url(version))
    response: HttpResponse = view.show(form, **problems)
    return response


class VersionCreateView(AppMixin, View):
    """Paste or upload a manifest: every problem is listed with its JSON path; a taken or
    lower number is shown under ``$.version``."""

    template_name = "console/developer/version_form.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return self.show(VersionForm())

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        return _save_manifest_form(self, partial(version_create, app=self.app))

    def show(self, form: VersionForm, **problems: Any) -> HttpResponse:
        latest = self.app.latest_number
        return render(
            self.request,
            self.template_name,
            {"app": self.app, "form": form, "latest_number": latest, **problems},
        )


class VersionDetailView(VersionMixin, View):
    """Status, actions, scopes, changelog, manifest, diffs, history and install links."""

    allow_deleting = True
    template_name = "console/developer/version_detail.html"

    def get(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        version = self.version
        previous = version_previous(version=version)
        published = version_last_published(app=self.app, exclude=version)
        diffs = [
            {
                "title": title,
                "other": other,
                **manifest_diff_shown(version=version, against=against),
            }
            for title, other, against in (
                ("Against the previous version", "the previous version", previous),
                ("Against the last published version", "the published version", published),
            )
        ]
        installable = not version_install_blocker(
            app_status=self.app.status, version_status=version.status
        )
        rollout_job = job_latest_for(
            account_id=self.app.account_id,
            kind=VERSION_ROLLOUT,
            key="version_id",
            value=version.pk,
        )
        context = {
            "app": self.app,
            "version": version,
            "actions": version_actions(version),
            "next_step": version_next_step(
                version, rollout_job=rollout_job, installable=installable
            ),
            "editable": version_is_editable(version.status),
            "installable": installable,
            "linkable": installable,
            "scope_lines": version_scope_lines(version=version),
            "warnings": manifest_validate(version.manifest).warnings,
            "diffs": diffs,
            "history": list(version_history(version=version)),
            "links": list(install_link_list_for_version(version=version)),
            "now": timezone.now(),
            "rollout_job": rollout_job,
        }
        return render(request, self.template_name, context)


class VersionEditView(VersionMixin, View):
    """Change the manifest and changelog of a draft or rejected version; for any other
    status the page says why and offers a new version."""

    template_name = "console/developer/version_edit.html"

    def get(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        form = VersionForm(
            initial={
                "manifest": self.version.manifest_source,
                "changelog": self.version.changelog,
            }
        )
        return self.show(form)

    def post(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        if not version_is_editable(self.version.status):
            return self.show(VersionForm(), status=409)
        return _save_manifest_form(self, partial(version_update, version=self.version))

    def show(self, form: VersionForm, status: int = 200, **problems: Any) -> HttpResponse:
        context = {
            "app": self.app,
            "version": self.version,
            "form": form,
            "editable": version_is_editable(self.version.status),
            **problems,
        }
        return render(self.request, self.template_name, context, status=status)


class _VersionMoveView(VersionMixin, View):
    """A POST-only status move; a refusal or a lost race is an error message."""

    http_method_names = ["post"]
    success = ""

    def move(self, version: AppVersion) -> AppVersion:
        raise NotImplementedError

    def post(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        try:
            version = self.move(self.version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.success.format(number=version.number))
        return redirect(version_url(self.version))


class VersionSubmitView(_VersionMoveView):
    success = "Version {number} is submitted: moderators review it, oldest first."

    def move(self, version: AppVersion) -> AppVersion:
        return version_submit(version=version, actor=self.actor)


class VersionWithdrawView(_VersionMoveView):
    success = "Version {number} is withdrawn from review and is a draft again."

    def move(self, version: AppVersion) -> AppVersion:
        return version_withdraw(version=version, actor=self.actor)


class VersionPublishView(_VersionMoveView):
    success = "Version {number} is published."

    def move(self, version: AppVersion) -> AppVersion:
        return version_publish(version=version, actor=self.actor)


class VersionHideView(_VersionMoveView):
    success = "Version {number} is hidden: it can no longer be installed from the catalog."

    def move(self, version: AppVersion) -> AppVersion:
        return version_hide(version=version, actor=self.actor)


class VersionInstallView(VersionMixin, View):
    """What installing this version on the developer's own account would do; the button
    opens the consent screen for exactly this version (any status but rejected)."""

    template_name = "console/developer/version_install.html"

    def get(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        refusal = {
            None: "",
            CatalogError.APP_INACTIVE: "The app is inactive: activate it before installing it.",
            CatalogError.VERSION_NOT_INSTALLABLE: (
                f"Version {self.version.number} is "
                f"{self.version.get_status_display().lower()}: a rejected version cannot be "
                "installed. Edit it, or create a new version."
            ),
        }[version_install_blocker(app_status=self.app.status, version_status=self.version.status)]
        context = {
            "app": self.app,
            "version": self.version,
            "refusal": refusal,
            "scope_lines": [] if refusal else version_scope_lines(version=self.version),
            "install": None
            if refusal
            else install_action(
                actor=self.actor,
                app=self.app,
                version=self.version,
                offer_other_version=True,
            ),
        }
        return render(request, self.template_name, context, status=409 if refusal else 200)
