from django.urls import include, path

from console.developer import (
    app_views,
    connection_views,
    link_views,
    listing_views,
    version_views,
    views,
    webhook_health_views,
    webhook_replay_views,
    webhook_views,
)

app_name = "developer"

version_urls = [
    path("", version_views.VersionDetailView.as_view(), name="version-detail"),
    path("edit/", version_views.VersionEditView.as_view(), name="version-edit"),
    path("submit/", version_views.VersionSubmitView.as_view(), name="version-submit"),
    path("withdraw/", version_views.VersionWithdrawView.as_view(), name="version-withdraw"),
    path("publish/", version_views.VersionPublishView.as_view(), name="version-publish"),
    path("hide/", version_views.VersionHideView.as_view(), name="version-hide"),
    path("install/", version_views.VersionInstallView.as_view(), name="version-install"),
    path("links/new/", link_views.InstallLinkCreateView.as_view(), name="install_link-create"),
    path(
        "links/<int:link_id>/created/",
        link_views.InstallLinkCreatedView.as_view(),
        name="install_link-created",
    ),
    path(
        "links/<int:link_id>/revoke/",
        link_views.InstallLinkRevokeView.as_view(),
        name="install_link-revoke",
    ),
]

app_urls = [
    path("", app_views.AppDetailView.as_view(), name="app-detail"),
    path("edit/", app_views.AppEditView.as_view(), name="app-edit"),
    path("listing/", listing_views.AppListingView.as_view(), name="app-listing"),
    path("secret/", app_views.AppSecretView.as_view(), name="app-secret"),
    path(
        "connection/",
        connection_views.AppConnectionClientView.as_view(),
        name="app-connection",
    ),
    path("webhooks/", webhook_views.AppWebhooksView.as_view(), name="app-webhooks"),
    path(
        "webhooks/subscriptions/<int:subscription_id>/enable/",
        webhook_health_views.AppWebhookSubscriptionEnableView.as_view(),
        name="app-webhook-subscription-enable",
    ),
    path(
        "webhooks/rotate/",
        webhook_views.AppWebhooksRotateView.as_view(),
        name="app-webhooks-rotate",
    ),
    path(
        "webhooks/replay-failed/",
        webhook_replay_views.AppWebhooksReplayFailedView.as_view(),
        name="app-webhooks-replay-failed",
    ),
    path(
        "webhooks/deliveries/<str:delivery_id>/",
        webhook_views.AppWebhookDeliveryView.as_view(),
        name="app-webhook-delivery",
    ),
    path(
        "webhooks/deliveries/<str:delivery_id>/replay/",
        webhook_views.AppWebhookDeliveryReplayView.as_view(),
        name="app-webhook-delivery-replay",
    ),
    path(
        "credentials/rotate/",
        app_views.AppCredentialsRotateView.as_view(),
        name="app-credentials-rotate",
    ),
    path("activate/", app_views.AppActivateView.as_view(), name="app-activate"),
    path("deactivate/", app_views.AppDeactivateView.as_view(), name="app-deactivate"),
    path("list/", app_views.AppListInCatalogView.as_view(), name="app-list_in_catalog"),
    path("unlist/", app_views.AppUnlistView.as_view(), name="app-unlist"),
    path("delete/", app_views.AppDeleteView.as_view(), name="app-delete"),
    path("versions/new/", version_views.VersionCreateView.as_view(), name="version-create"),
    path("versions/<str:number>/", include(version_urls)),
]

urlpatterns = [
    path("manifest-check/", views.ManifestCheckView.as_view(), name="manifest-check"),
    path("scopes/", views.ScopeReferenceView.as_view(), name="scope-reference"),
    path("apps/", app_views.AppListView.as_view(), name="app-list"),
    path("apps/new/", app_views.AppCreateView.as_view(), name="app-create"),
    path("apps/<uuid:code>/", include(app_urls)),
]
