from django.urls import include, path

from apps.api.views import ApiRootApi

app_name = "api"

urlpatterns = [
    path("", ApiRootApi.as_view(), name="root"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.jobs.api.urls")),
    path("", include("apps.scopes.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.moderation.api.urls")),
    path("", include("apps.installations.api.urls")),
    path("", include("apps.modules.api.urls")),
]
