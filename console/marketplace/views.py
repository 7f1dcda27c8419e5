"""The public marketplace: the catalog of apps anyone may browse, an app's page, what
installing it would mean, and the page an install link opens.

The catalog is open to anonymous visitors; installing needs a signed-in user: the preview
shows what would be installed and where, and its button opens the consent screen at
``/oauth/authorize/`` for that exact version (or install link). An app already installed
on the current account says so and offers its page and, when newer, the update.
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from apps.accounts.actors import Actor
from apps.catalog.models import App, AppVersion
from apps.catalog.selectors import (
    catalog_app_get,
    catalog_versions,
    listing_image_get,
    version_last_published,
    version_scope_lines,
)
from apps.catalog.services import LinkGone, install_link_resolve
from apps.core.errors import NotFound
from console.access import access_errors, request_actor
from console.installations.links import install_action
from console.marketplace.changelists import SORTS, catalog_changelist


def _viewer_sees_logo(app: App, actor: Actor) -> bool:
    """Whether ``actor`` may load the app's logo: a link recipient from another account
    may not for an app outside the catalog, so the page shows none rather than a broken
    image."""
    if not app.logo:
        return False
    try:
        listing_image_get(code=app.code, actor=actor)
    except NotFound:
        return False
    return True


def _catalog_app(code: Any) -> tuple[App, AppVersion]:
    """A catalog app and its latest published version; 404 for anything else."""
    with access_errors():
        app = catalog_app_get(code=code)
        version = version_last_published(app=app)
        if version is None:  # unpublished between the two reads
            raise NotFound("No such app in the marketplace.")
    return app, version


class AppListView(TemplateView):
    """Published, active, listed public apps as cards, with search, filters and order."""

    template_name = "console/marketplace/app_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        cl = catalog_changelist(self.request)
        sort = self.request.GET.get(cl.sort_param, "")
        return {
            "cl": cl,
            "sorts": SORTS,
            "sort": sort if sort in dict(SORTS) else SORTS[0][0],
        }


class AppDetailView(TemplateView):
    """An app's catalog page: listing, what it will be able to do, versions, Install."""

    template_name = "console/marketplace/app_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        app, version = _catalog_app(kwargs["code"])
        return {
            "app": app,
            "version": version,
            "banners": list(app.banners.all()),
            "scope_lines": version_scope_lines(version=version),
            "versions": catalog_versions(app=app),
            "install": install_action(actor=request_actor(self.request), app=app, version=version),
        }


class AppInstallView(LoginRequiredMixin, TemplateView):
    """What installing the app's latest published version would mean, and into which
    account; its button opens the consent screen."""

    template_name = "console/marketplace/app_install.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        app, version = _catalog_app(kwargs["code"])
        return {
            "app": app,
            "version": version,
            "scope_lines": version_scope_lines(version=version),
            "install": install_action(actor=request_actor(self.request), app=app, version=version),
        }


@method_decorator(never_cache, name="dispatch")
class InstallLinkDetailView(LoginRequiredMixin, View):
    """The page an install link opens: the exact version it installs (any app type, any
    status a link may point at) and the account it would go into.

    An unknown token is a 404; a revoked or expired link (or an app that cannot be
    installed now) a 410 page saying what happened.
    """

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            with access_errors():
                link = install_link_resolve(raw_token=token)
        except LinkGone as exc:
            response = render(
                request,
                "console/marketplace/install_link_gone.html",
                {"message": exc.message},
                status=410,
            )
        else:
            version = link.version
            response = render(
                request,
                "console/marketplace/install_link_detail.html",
                {
                    "link": link,
                    "app": version.app,
                    "version": version,
                    "scope_lines": version_scope_lines(version=version),
                    "hide_logo": not _viewer_sees_logo(version.app, request_actor(request)),
                    "install": install_action(
                        actor=request_actor(request),
                        app=version.app,
                        version=version,
                        install_link_token=token,
                        offer_other_version=True,
                    ),
                },
            )
        # The token is in the URL: keep it out of Referer headers to other sites.
        response["Referrer-Policy"] = "no-referrer"
        return response
