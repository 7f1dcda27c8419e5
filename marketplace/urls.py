from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider.views import OAuthServerMetadataView

from apps.api.exceptions import api_not_found, api_server_error
from apps.core.health import healthz, readyz
from apps.embedding.views import jwks_view

admin.site.site_header = "Marketplace platform staff admin"
admin.site.site_title = "Marketplace admin"

urlpatterns = [
    # First: every app request comes here, and is resolved without trying the others.
    path("api/v1/", include("marketplace.api_urls")),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("oauth/", include("apps.oauth.urls")),
    path(
        ".well-known/oauth-authorization-server",
        OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other address under /api/ is the API's JSON 404, with DEBUG on as well (where
    # Django would answer an unknown address with its HTML debug page).
    re_path(r"^api/", csrf_exempt(api_not_found), name="api-not-found"),
    path("admin/", admin.site.urls),
    path("", include("console.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    response = defaults.permission_denied(request, exception)
    # The reason goes into the refusal's one log line (apps.core.log).
    response.refusal_reason = str(exception)  # type: ignore[attr-defined]
    return response


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return defaults.server_error(request)
