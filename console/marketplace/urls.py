from django.urls import path

from console.marketplace import images, views

app_name = "marketplace"

urlpatterns = [
    path("marketplace/", views.AppListView.as_view(), name="app-list"),
    path("marketplace/<uuid:code>/", views.AppDetailView.as_view(), name="app-detail"),
    path("marketplace/<uuid:code>/install/", views.AppInstallView.as_view(), name="app-install"),
    path("marketplace/<uuid:code>/logo", images.AppLogoView.as_view(), name="app-logo"),
    path(
        "marketplace/<uuid:code>/banners/<int:banner_id>",
        images.AppBannerView.as_view(),
        name="app-banner",
    ),
    path(
        "install/<str:token>/",
        views.InstallLinkDetailView.as_view(),
        name="install_link-detail",
    ),
]
