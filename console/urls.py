from django.urls import include, path

from console import views
from console.installations.views.connection import ConnectionCallbackView, ConnectionLinkView

app_name = "console"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("", include("console.auth.urls")),
    path("accounts/", include("console.accounts.urls")),
    path("developer/", include("console.developer.urls")),
    path("system/", include("console.system.urls")),
    path("jobs/", include("console.jobs.urls")),
    path("moderation/", include("console.moderation.urls")),
    path("apps/", include("console.installations.urls")),
    path("records/", include("console.records.urls")),
    path("apps/", include("console.embedding.urls")),
    path(
        "connections/callback/",
        ConnectionCallbackView.as_view(),
        name="connection-callback",
    ),
    path("connections/start/<str:token>/", ConnectionLinkView.as_view(), name="connection-link"),
    path("", include("console.marketplace.urls")),
]
