from django.urls import path

from apps.catalog.api import developer, marketplace, views

app_name = "catalog"

APP = "apps/<str:code>"
VERSION = f"{APP}/versions/<str:number>"

urlpatterns = [
    path("manifests/schema", views.ManifestSchemaApi.as_view(), name="manifest-schema"),
    path("manifests/validate", views.ManifestValidateApi.as_view(), name="manifest-validate"),
    path("manifests/diff", views.ManifestDiffApi.as_view(), name="manifest-diff"),
    # Developer: apps
    path("apps", developer.AppListApi.as_view(), name="app-list"),
    path(APP, developer.AppDetailApi.as_view(), name="app-detail"),
    path(f"{APP}/activate", developer.AppActivateApi.as_view(), name="app-activate"),
    path(f"{APP}/deactivate", developer.AppDeactivateApi.as_view(), name="app-deactivate"),
    path(f"{APP}/list", developer.AppListInCatalogApi.as_view(), name="app-list_in_catalog"),
    path(f"{APP}/unlist", developer.AppUnlistApi.as_view(), name="app-unlist"),
    path(f"{APP}/logo", developer.AppLogoApi.as_view(), name="app-logo"),
    path(f"{APP}/banners", developer.AppBannerListApi.as_view(), name="app_banner-list"),
    path(
        f"{APP}/banners/<int:banner_id>",
        developer.AppBannerDetailApi.as_view(),
        name="app_banner-detail",
    ),
    path(
        f"{APP}/credentials", developer.AppCredentialsApi.as_view(), name="app_credentials-detail"
    ),
    path(
        f"{APP}/credentials/rotate",
        developer.AppCredentialsRotateApi.as_view(),
        name="app_credentials-rotate",
    ),
    # Developer: versions
    path(f"{APP}/versions", developer.VersionListApi.as_view(), name="version-list"),
    path(VERSION, developer.VersionDetailApi.as_view(), name="version-detail"),
    path(f"{VERSION}/submit", developer.VersionSubmitApi.as_view(), name="version-submit"),
    path(f"{VERSION}/withdraw", developer.VersionWithdrawApi.as_view(), name="version-withdraw"),
    path(f"{VERSION}/publish", developer.VersionPublishApi.as_view(), name="version-publish"),
    path(f"{VERSION}/hide", developer.VersionHideApi.as_view(), name="version-hide"),
    path(f"{VERSION}/diff", developer.VersionDiffApi.as_view(), name="version-diff"),
    path(f"{VERSION}/history", developer.VersionHistoryApi.as_view(), name="version-history"),
    # Developer: install links
    path(
        f"{VERSION}/install-links",
        developer.InstallLinkListApi.as_view(),
        name="install_link-list",
    ),
    path(
        f"{VERSION}/install-links/<int:link_id>/revoke",
        developer.InstallLinkRevokeApi.as_view(),
        name="install_link-revoke",
    ),
    path(
        "install-links/<str:token>",
        marketplace.InstallLinkPreviewApi.as_view(),
        name="install_link-preview",
    ),
    # The public catalog
    path(
        "marketplace/apps",
        marketplace.MarketplaceAppListApi.as_view(),
        name="marketplace_app-list",
    ),
    path(
        "marketplace/apps/<str:code>",
        marketplace.MarketplaceAppDetailApi.as_view(),
        name="marketplace_app-detail",
    ),
]
