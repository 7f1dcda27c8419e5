"""Developer Console: a version's install links. A new link is shown once, on the page
the POST that made it redirects to (``console.shown_once``); another version's link is a
404."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from apps.catalog.selectors import install_link_get
from apps.catalog.services import install_link_create, install_link_revoke
from apps.core.errors import ApplicationError
from console.access import access_errors
from console.developer.app_forms import InstallLinkForm
from console.developer.version_views import VersionMixin, version_url
from console.forms import form_add_application_error
from console.shown_once import shown_once_hold, shown_once_pop


def install_link_url(request: HttpRequest, raw_token: str) -> str:
    """The absolute URL of the install link page for ``raw_token``."""
    path = reverse("console:marketplace:install_link-detail", kwargs={"token": raw_token})
    return request.build_absolute_uri(path)


def _link_slot(link_id: int) -> str:
    return f"install_link:{link_id}"


class InstallLinkCreateView(VersionMixin, View):
    """Create an install link, then redirect to the page that shows it once (a reload
    never creates a second link)."""

    template_name = "console/developer/install_link_form.html"

    def get(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        return self.show(InstallLinkForm())

    def post(self, request: HttpRequest, code: str, number: str) -> HttpResponse:
        form = InstallLinkForm(request.POST)
        if form.is_valid():
            try:
                link, raw = install_link_create(
                    version=self.version,
                    label=form.cleaned_data["label"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                    actor=self.actor,
                )
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                shown_once_hold(request, slot=_link_slot(link.pk), value=raw)
                return redirect(
                    "console:developer:install_link-created",
                    code=self.app.code,
                    number=self.version.number,
                    link_id=link.pk,
                )
        return self.show(form)

    def show(self, form: InstallLinkForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"app": self.app, "version": self.version, "form": form},
        )


@method_decorator(never_cache, name="dispatch")
class InstallLinkCreatedView(VersionMixin, View):
    """The new install link, shown once to the session that made it; any later visit
    says it was shown once and offers to revoke it and make another. Another version's
    link is a 404."""

    template_name = "console/developer/install_link_created.html"

    def get(self, request: HttpRequest, code: str, number: str, link_id: int) -> HttpResponse:
        with access_errors():
            link = install_link_get(version=self.version, link_id=link_id)
        raw = shown_once_pop(request, slot=_link_slot(link.pk))
        context = {
            "app": self.app,
            "version": self.version,
            "link": link,
            "link_url": install_link_url(request, raw) if raw else None,
            "now": timezone.now(),
        }
        return render(request, self.template_name, context)


class InstallLinkRevokeView(VersionMixin, View):
    """GET: the confirmation page; POST: revoke. Another version's link is a 404."""

    template_name = "console/developer/install_link_revoke.html"

    def get(self, request: HttpRequest, code: str, number: str, link_id: int) -> HttpResponse:
        with access_errors():
            link = install_link_get(version=self.version, link_id=link_id)
        context = {"app": self.app, "version": self.version, "link": link, "now": timezone.now()}
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, code: str, number: str, link_id: int) -> HttpResponse:
        with access_errors():
            link = install_link_get(version=self.version, link_id=link_id)
        if link.revoked_at is not None:
            messages.info(request, f"The install link {link.display_prefix}… was already revoked.")
        else:
            install_link_revoke(link=link, actor=self.actor)
            messages.success(
                request, f"The install link {link.display_prefix}… is revoked: it stops working."
            )
        return redirect(version_url(self.version))
