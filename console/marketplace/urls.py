from django.urls import path

from console.marketplace import images

app_name = "marketplace"

urlpatterns = [
    path("marketplace/<uuid:code>/logo", images.AppLogoView.as_view(), name="app-logo"),
    path(
        "marketplace/<uuid:code>/banners/<int:banner_id>",
        images.AppBannerView.as_view(),
        name="app-banner",
    ),
]
