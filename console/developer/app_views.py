"""Developer Console: the account's apps, their listing, credentials and state.

Every page about one app loads it through ``app_get_for`` with the request's ``Actor``
(another account's app is a 404, a member without the developer right gets a 403) and
leaves the rules to ``apps.catalog.services``.
A new client secret is shown once: the POST that makes it holds it in the session and
redirects to the secret's page, which takes it out (``console.shown_once``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views import View
from django.views.decorators.cache import never_cache

from apps.accounts.actors import Actor
from apps.catalog.models import App, AppStatus, AppType, VersionStatus
from apps.catalog.policies import LISTING_FIELDS
from apps.catalog.selectors import (
    app_get_for,
    app_listing_state,
    version_list_for_app,
)
from apps.catalog.services import (
    app_activate,
    app_create,
    app_credentials_rotate,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_rename,
    app_unlist,
)
from apps.core.errors import ApplicationError
from apps.installations.selectors import installation_count_for_developer_app
from apps.jobs.kinds import APP_DELETE
from apps.jobs.models import Job
from apps.jobs.selectors import job_latest_for, job_list_app_deletions
from console.access import ActorMixin, DeveloperRequiredMixin, access_errors
from console.changelist import ChangeList
from console.developer.app_forms import (
    AppCreateForm,
    AppDeleteForm,
    AppEditForm,
)
from console.developer.changelists import ACTIVATE, DEACTIVATE, app_changelist
from console.forms import form_add_application_error
from console.shown_once import shown_once_hold, shown_once_pop


def deleting_message(app: App) -> str:
    return f"The app “{app.name}” is being deleted; nothing can change it any more."


def app_url(app: App) -> str:
    return reverse("console:developer:app-detail", kwargs={"code": app.code})


def app_deletion_job(app: App) -> Job | None:
    """The job deleting ``app``, if it is being deleted."""
    if app.status != AppStatus.DELETING:
        return None
    return job_latest_for(account_id=app.account_id, kind=APP_DELETE, key="app_id", value=app.pk)


class _LoadApp:
    """Loads ``self.app`` from the URL's ``code`` for ``self.actor`` (it runs after
    ``ActorMixin`` in the MRO). Pages that change the app refuse an app being deleted
    with a message; read-only pages set ``allow_deleting``."""

    actor: Actor
    app: App
    allow_deleting = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with access_errors():
            self.app = app_get_for(actor=self.actor, code=kwargs["code"])
        if self.app.status == AppStatus.DELETING and not self.allow_deleting:
            messages.error(request, deleting_message(self.app))
            return redirect(app_url(self.app))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class AppMixin(ActorMixin, _LoadApp):
    """A page about one of the current account's apps (``self.app``). Who enters is
    ``app_get_for``'s answer, not a check of the view's own."""

    def check_actor(self, actor: Actor) -> None:
        """Nothing before the app is loaded: ``app_get_for`` answers 404 when the actor
        acts in no account or the app is another account's, 403 without the developer
        right (whatever the code), as ``DeveloperRequiredMixin`` would."""


class AppListView(DeveloperRequiredMixin, View):
    """The account's apps; POST runs the bulk Activate / Deactivate after a confirmation."""

    template_name = "console/developer/app_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {
            "cl": self._changelist(),
            "deletions": list(job_list_app_deletions(account=self.account)),
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        cl = self._changelist()
        action = cl.action_for(request.POST.get("action", ""))
        apps = list(cl.selected(request.POST))
        if action not in (ACTIVATE, DEACTIVATE) or not apps:
            messages.warning(request, "Choose an action and tick at least one app.")
            return redirect(request.get_full_path())
        usable = [app for app in apps if app.status != AppStatus.DELETING]
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                "console/developer/app_bulk_confirm.html",
                {"action": action, "apps": apps, "usable": usable},
            )
        change = app_activate if action == ACTIVATE else app_deactivate
        changed = 0
        for app in usable:
            try:
                change(app=app)
            except ApplicationError:  # deleted since the page was shown
                continue
            changed += 1
        verb = "Activated" if action == ACTIVATE else "Deactivated"
        messages.success(request, f"{verb} {changed} app{'s' if changed != 1 else ''}.")
        skipped = len(apps) - changed
        if skipped:
            messages.warning(
                request, f"Skipped {skipped} app{'s' if skipped != 1 else ''} being deleted."
            )
        return redirect(request.get_full_path())

    def _changelist(self) -> ChangeList:
        return app_changelist(self.request, account=self.account)


class AppCreateView(DeveloperRequiredMixin, View):
    """Create an app, then redirect to the page that shows its client secret once (only
    a hash of it is kept; a reload never creates a second app)."""

    template_name = "console/developer/app_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": AppCreateForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AppCreateForm(request.POST)
        if form.is_valid():
            try:
                app, secret = app_create(
                    account=self.account,
                    name=form.cleaned_data["name"],
                    type=form.cleaned_data["type"],
                    actor=self.actor,
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return secret_redirect(request, app, secret)
        return render(request, self.template_name, {"form": form})


class AppDetailView(AppMixin, View):
    """Overview, actions, and the versions table."""

    allow_deleting = True
    template_name = "console/developer/app_detail.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        app = self.app
        versions = list(version_list_for_app(app=app))
        listing = None
        if app.type == AppType.PUBLIC and not app.is_listed:
            # What stops it from being listed, by the catalog's own rule.
            published = any(v.status == VersionStatus.PUBLISHED for v in versions)
            listing = app_listing_state(app=app, has_published_version=published)
        context = {
            "app": app,
            "versions": versions,
            "deletion_job": app_deletion_job(app),
            "listing": listing,
        }
        return render(request, self.template_name, context)


class AppEditView(AppMixin, View):
    template_name = "console/developer/app_edit.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        form = AppEditForm(initial={"name": self.app.name})
        return render(request, self.template_name, {"app": self.app, "form": form})

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = AppEditForm(request.POST)
        if form.is_valid():
            try:
                app_rename(app=self.app, name=form.cleaned_data["name"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                messages.success(request, f"The app is now called “{self.app.name}”.")
                return redirect(app_url(self.app))
        return render(request, self.template_name, {"app": self.app, "form": form})


class AppCredentialsRotateView(AppMixin, View):
    """GET: what rotating means; POST: rotate, then redirect to the page that shows the
    new secret once."""

    template_name = "console/developer/app_credentials_rotate.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return render(request, self.template_name, {"app": self.app})

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            secret = app_credentials_rotate(app=self.app)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(app_url(self.app))
        return secret_redirect(request, self.app, secret)


def _secret_slot(app: App) -> str:
    return f"app_secret:{app.code}"


def secret_redirect(request: HttpRequest, app: App, secret: str) -> HttpResponse:
    """Hold ``secret`` for this session and go to the page that shows it once."""
    shown_once_hold(request, slot=_secret_slot(app), value=secret)
    return redirect("console:developer:app-secret", code=app.code)


@method_decorator(never_cache, name="dispatch")
class AppSecretView(AppMixin, View):
    """The client secret just made (at creation or by a rotation), shown once to the
    session that made it; any later visit says it was shown once and offers to rotate."""

    template_name = "console/developer/app_secret.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        context = {
            "app": self.app,
            "client_secret": shown_once_pop(request, slot=_secret_slot(self.app)),
            # Never rotated: the secret is the one made with the app.
            "created": self.app.credentials_rotated_at is None,
        }
        return render(request, self.template_name, context)


class _AppActionView(AppMixin, View):
    """A POST-only button on the app's page: call the service, say what happened, go back.
    A refusal (``ValidationFailed`` with the missing pieces, or ``Conflict``) is shown as
    an error message listing every problem."""

    http_method_names = ["post"]
    success: str = ""

    def act(self, app: App) -> App:
        raise NotImplementedError

    def refusal(self, exc: ApplicationError) -> str:
        problems = [message for values in exc.fields.values() for message in values]
        return " ".join([exc.message, *problems])

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            app = self.act(self.app)
        except ApplicationError as exc:
            messages.error(request, self.refusal(exc))
        else:
            messages.success(request, self.success.format(name=app.name))
        return redirect(app_url(self.app))


class AppActivateView(_AppActionView):
    success = "“{name}” is active: it can be installed and its tokens work."

    def act(self, app: App) -> App:
        return app_activate(app=app)


class AppDeactivateView(_AppActionView):
    success = (
        "“{name}” is inactive: it cannot be installed, is not embedded, and its tokens are "
        "refused until you activate it again."
    )

    def act(self, app: App) -> App:
        return app_deactivate(app=app)


class AppListInCatalogView(_AppActionView):
    success = "“{name}” is listed in the marketplace catalog."

    def act(self, app: App) -> App:
        return app_list_in_catalog(app=app)

    def refusal(self, exc: ApplicationError) -> str:
        """A refusal naming missing listing text links to the listing form."""
        if not set(exc.fields) & set(LISTING_FIELDS):
            return super().refusal(exc)
        listing = reverse("console:developer:app-listing", kwargs={"code": self.app.code})
        return format_html(
            '{} <a href="{}">Fill in the listing</a>, then list the app again.',
            super().refusal(exc),
            listing,
        )


class AppUnlistView(_AppActionView):
    success = "“{name}” is hidden from the catalog. Accounts that installed it keep it."

    def act(self, app: App) -> App:
        return app_unlist(app=app)


class AppDeleteView(AppMixin, View):
    """GET: a confirmation that asks for the app's name; POST: start the deletion and go
    to its job's page, where the developer watches it remove the app account by account."""

    template_name = "console/developer/app_delete.html"

    def page(self, form: AppDeleteForm) -> HttpResponse:
        installed_on = installation_count_for_developer_app(account=self.account, app=self.app)
        return render(
            self.request,
            self.template_name,
            {"app": self.app, "form": form, "installed_on": installed_on},
        )

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return self.page(AppDeleteForm(app_name=self.app.name))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        form = AppDeleteForm(request.POST, app_name=self.app.name)
        if not form.is_valid():
            return self.page(form)
        app_delete(app=self.app, actor=self.actor)
        # No message: the job's page says what is happening in its live block, which
        # stops saying it once the job has ended (a message would stay on the page).
        job = app_deletion_job(self.app)
        if job is None:
            return redirect(app_url(self.app))
        return redirect("console:jobs:job-detail", job_id=job.pk)
