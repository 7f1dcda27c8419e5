"""Marketplace API: the public catalog (anyone, anonymous included) and what an install
link will install (any signed-in caller).

The catalog shows public, active, listed apps with a published version; the scopes an app
asks for are those of its highest published version, in plain words with the
developer's reasons. Installing itself happens in the console (``install_url``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.catalog.api.serializers import (
    PAGE_PARAMETERS,
    InstallPreviewOutput,
    PublisherOutput,
    ScopeLineOutput,
    absolute,
    banner_url,
    logo_url,
    page_of,
    scope_lines,
)
from apps.catalog.models import App
from apps.catalog.selectors import (
    catalog_app_get,
    catalog_app_list_for_browsing,
    catalog_filter_authorization,
    catalog_filter_reads_module,
    catalog_versions,
    version_scope_lines,
)
from apps.catalog.services import install_link_resolve
from apps.core.api import paginated_response, query_choice
from apps.core.errors import NotFound
from apps.scopes.catalog import get_catalog

AUTHORIZATIONS = ("account", "user")


def _install_url(context: dict[str, Any], app: App) -> str:
    return absolute(context, reverse("console:marketplace:app-detail", args=[app.code]))


class MarketplaceAppOutput(serializers.ModelSerializer):
    code = serializers.UUIDField(read_only=True)
    publisher = serializers.SerializerMethodField()
    logo_url = serializers.SerializerMethodField()
    version = serializers.CharField(
        source="published_number", help_text="The most recently published version."
    )
    url = serializers.SerializerMethodField(help_text="This app in the API.")
    install_url = serializers.SerializerMethodField(help_text="The console page to install it.")

    class Meta:
        model = App
        fields = [
            "code",
            "name",
            "summary",
            "publisher",
            "logo_url",
            "version",
            "url",
            "install_url",
        ]

    @staticmethod
    def _publisher(app: App) -> dict[str, str]:
        return {"name": app.account.name, "domain": app.account.slug}

    @extend_schema_field(PublisherOutput)
    def get_publisher(self, app: App) -> dict[str, str]:
        return self._publisher(app)

    def get_logo_url(self, app: App) -> str | None:
        return logo_url(self.context, app)

    def get_url(self, app: App) -> str:
        return reverse(
            "api:catalog:marketplace_app-detail",
            args=[app.code],
            request=self.context.get("request"),
        )

    def get_install_url(self, app: App) -> str:
        return _install_url(self.context, app)


class MarketplaceVersionOutput(serializers.Serializer):
    number = serializers.CharField()
    changelog = serializers.CharField()
    published_at = serializers.DateTimeField()


class MarketplaceAppDetailOutput(serializers.Serializer):
    code = serializers.UUIDField()
    name = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField()
    publisher = PublisherOutput()
    logo_url = serializers.CharField(allow_null=True)
    banner_urls = serializers.ListField(child=serializers.CharField())
    support_email = serializers.CharField()
    support_url = serializers.CharField()
    authorization = serializers.CharField(
        help_text="`account`: an admin authorizes it for everyone; `user`: each user does."
    )
    scopes = ScopeLineOutput(many=True, help_text="What it asks for, in plain words.")
    versions = MarketplaceVersionOutput(many=True, help_text="Published versions, highest first.")
    install_url = serializers.CharField()


class MarketplaceAppListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="marketplace_apps_list",
        summary="Apps in the marketplace",
        description="Public, active, listed apps with a published version. Anyone may call "
        "this, without credentials.",
        parameters=[
            OpenApiParameter(
                "search", description="Part of the name, summary or publisher.", required=False
            ),
            OpenApiParameter(
                "module",
                description="Only apps asking for a scope of this module (see /api/v1/scopes).",
                required=False,
            ),
            OpenApiParameter("authorization", enum=list(AUTHORIZATIONS), required=False),
            *PAGE_PARAMETERS,
        ],
        responses=page_of(MarketplaceAppOutput),
        tags=["marketplace"],
    )
    def get(self, request: Request) -> Response:
        qs = catalog_app_list_for_browsing()
        search = request.query_params.get("search", "").strip()
        if search:
            qs = qs.filter(
                Q(name__icontains=search)
                | Q(summary__icontains=search)
                | Q(account__name__icontains=search)
            )
        if module := query_choice(request, "module", tuple(get_catalog().modules)):
            qs = qs.filter(catalog_filter_reads_module(module))
        if authorization := query_choice(request, "authorization", AUTHORIZATIONS):
            qs = qs.filter(catalog_filter_authorization(authorization))
        return _paginated(request, self, qs.order_by("name", "pk"))


def _paginated(request: Request, view: APIView, qs: Any) -> Response:
    return paginated_response(
        request=request,
        view=view,
        queryset=qs,
        serializer=partial(MarketplaceAppOutput, context={"request": request}),  # type: ignore[arg-type]
    )


class MarketplaceAppDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="One app of the marketplace",
        description="The listing, the scopes the app asks for in plain words with the "
        "developer's reasons, its published versions with changelogs, support contacts and "
        "the console page to install it.",
        responses=MarketplaceAppDetailOutput,
        tags=["marketplace"],
    )
    def get(self, request: Request, code: str) -> Response:
        app = catalog_app_get(code=code)
        versions = catalog_versions(app=app)
        if not versions:  # its last published version was hidden a moment ago
            raise NotFound("No such app in the marketplace.")
        latest = versions[0]
        context = {"request": request}
        data = {
            "code": app.code,
            "name": app.name,
            "summary": app.summary,
            "description": app.description,
            "publisher": MarketplaceAppOutput._publisher(app),
            "logo_url": logo_url(context, app),
            "banner_urls": [banner_url(context, b) for b in app.banners.select_related("app")],
            "support_email": app.support_email,
            "support_url": app.support_url,
            "authorization": latest.manifest.get("authorization", "account"),
            "scopes": scope_lines(version_scope_lines(version=latest)),
            "versions": [
                {"number": v.number, "changelog": v.changelog, "published_at": v.published_at}
                for v in versions
            ],
            "install_url": _install_url(context, app),
        }
        return Response(MarketplaceAppDetailOutput(data).data)


PREVIEW_EXAMPLE = {
    "app": {
        "code": "0b7c64ce-3f5e-4d4b-a1c4-4b7c2d8e9f10",
        "name": "Invoicer",
        "summary": "Invoices from deals in one click.",
        "logo_url": None,
    },
    "publisher": {"name": "Acme Corp", "domain": "acme"},
    "version": {"number": "1.2.0", "changelog": "Fixes rounding.", "authorization": "account"},
    "scopes": [
        {
            "scope": "crm.accounts:read",
            "phrase": "View CRM accounts and their contacts",
            "reason": "Shows the customer on invoices.",
        }
    ],
    "expires_at": "2026-03-08T09:30:00Z",
}


class InstallLinkPreviewApi(APIView):
    @extend_schema(
        summary="What an install link will install",
        description="Any signed-in caller with the link's token: the app, its publisher, the "
        "exact version and the scopes it asks for. 404 for an unknown token; 410 "
        "`link_unusable` when the link was revoked, expired, or the app cannot be installed "
        "now. Nothing is installed here.",
        responses={
            200: InstallPreviewOutput,
            404: OpenApiResponse(description="Unknown token."),
            410: OpenApiResponse(description="Revoked, expired, or not installable now."),
        },
        examples=[OpenApiExample("Preview", value=PREVIEW_EXAMPLE, response_only=True)],
        tags=["install links"],
    )
    def get(self, request: Request, token: str) -> Response:
        link = install_link_resolve(raw_token=token)
        version = link.version
        app = version.app
        context = {"request": request}
        data = {
            "app": {
                "code": str(app.code),
                "name": app.name,
                "summary": app.summary,
                "logo_url": logo_url(context, app),
            },
            "publisher": {"name": app.account.name, "domain": app.account.slug},
            "version": {
                "number": version.number,
                "changelog": version.changelog,
                "authorization": version.manifest.get("authorization", "account"),
            },
            "scopes": scope_lines(version_scope_lines(version=version)),
            "expires_at": link.expires_at,
        }
        return Response(InstallPreviewOutput(data).data)
