"""A developer's page for an app's catalog listing: its text, logo and banners (listing
edits need no moderation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.catalog.images import BANNER, LOGO, MAX_BANNERS
from apps.catalog.services import (
    app_banner_add,
    app_banner_remove,
    app_listing_update,
    app_logo_remove,
    app_logo_set,
)
from apps.core.errors import ApplicationError
from console.access import access_errors
from console.developer.app_forms import AppBannerForm, AppListingForm, AppLogoForm
from console.developer.app_views import AppMixin, app_url
from console.forms import form_add_application_error


class AppListingView(AppMixin, View):
    """The listing text, the logo and the banners: each a form of its own on one page, so
    one POST changes one thing (``section`` says which). Listing edits need no moderation."""

    template_name = "console/developer/app_listing.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return self.show()

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        section = request.POST.get("section", "")
        handlers: dict[str, Callable[[], HttpResponse]] = {
            "text": self.post_text,
            "logo": self.post_logo,
            "logo-remove": self.post_logo_remove,
            "banner": self.post_banner,
            "banner-remove": self.post_banner_remove,
        }
        handler = handlers.get(section)
        if handler is None:
            messages.error(request, "Unknown listing change; nothing was saved.")
            return redirect(request.path)
        try:
            return handler()
        except ApplicationError as exc:  # e.g. the app started deleting meanwhile
            messages.error(request, exc.message)
            return redirect(app_url(self.app))

    def show(self, status: int = 200, **forms: Any) -> HttpResponse:
        listing = {name: getattr(self.app, name) for name in AppListingForm.base_fields}
        context = {
            "app": self.app,
            "text_form": forms.get("text_form") or AppListingForm(initial=listing),
            "logo_form": forms.get("logo_form") or AppLogoForm(),
            "banner_form": forms.get("banner_form") or AppBannerForm(),
            "banners": list(self.app.banners.all()),
            "logo_rule": LOGO,
            "banner_rule": BANNER,
            "max_banners": MAX_BANNERS,
        }
        return render(self.request, self.template_name, context, status=status)

    def saved(self, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return redirect(self.request.path)

    def post_text(self) -> HttpResponse:
        form = AppListingForm(self.request.POST)
        if form.is_valid():
            try:
                app_listing_update(app=self.app, **form.cleaned_data)
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return self.saved("Listing saved. Listing edits need no moderation.")
        return self.show(text_form=form)

    def post_logo(self) -> HttpResponse:
        form = AppLogoForm(self.request.POST, self.request.FILES)
        if form.is_valid():
            try:
                app_logo_set(app=self.app, upload=form.cleaned_data["logo"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return self.saved("Logo saved.")
        return self.show(logo_form=form)

    def post_logo_remove(self) -> HttpResponse:
        app_logo_remove(app=self.app)
        return self.saved("Logo removed.")

    def post_banner(self) -> HttpResponse:
        form = AppBannerForm(self.request.POST, self.request.FILES)
        if form.is_valid():
            try:
                app_banner_add(app=self.app, upload=form.cleaned_data["banner"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                return self.saved("Banner added.")
        return self.show(banner_form=form)

    def post_banner_remove(self) -> HttpResponse:
        raw = self.request.POST.get("banner_id", "")
        with access_errors():
            # ASCII digits only: int() also reads Arabic-Indic digits and str.isdigit() accepts "²".
            banner_id = int(raw) if raw.isascii() and raw.isdigit() else 0
            app_banner_remove(app=self.app, banner_id=banner_id)
        return self.saved("Banner removed.")
