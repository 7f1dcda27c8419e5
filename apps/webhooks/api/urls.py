from django.urls import path

from apps.webhooks.api import installation_views, views

app_name = "webhooks"

APP = "apps/<str:code>/webhooks"
INSTALLATION = "installations/<int:installation_id>"

urlpatterns = [
    path("webhooks/signing-key", views.SigningKeyApi.as_view(), name="signing_key-detail"),
    path(f"{APP}/secret", views.AppWebhookSecretApi.as_view(), name="app_secret-detail"),
    path(
        f"{APP}/secret/rotate",
        views.AppWebhookSecretRotateApi.as_view(),
        name="app_secret-rotate",
    ),
    path(f"{APP}/deliveries", views.AppWebhookDeliveryListApi.as_view(), name="delivery-list"),
    path(
        f"{APP}/subscriptions",
        views.AppWebhookSubscriptionListApi.as_view(),
        name="subscription-list",
    ),
    path(
        f"{APP}/subscriptions/<int:subscription_id>/enable",
        views.AppWebhookSubscriptionEnableApi.as_view(),
        name="subscription-enable",
    ),
    path(
        f"{INSTALLATION}/webhooks",
        installation_views.InstallationSubscriptionListApi.as_view(),
        name="installation_subscription-list",
    ),
    path(
        f"{INSTALLATION}/webhooks/<int:subscription_id>",
        installation_views.InstallationSubscriptionDetailApi.as_view(),
        name="installation_subscription-detail",
    ),
    path(
        f"{INSTALLATION}/webhooks/<int:subscription_id>/enable",
        installation_views.InstallationWebhookEnableApi.as_view(),
        name="installation_subscription-enable",
    ),
    path(
        f"{APP}/deliveries/replay-failed",
        views.AppWebhookReplayFailedApi.as_view(),
        name="delivery-replay_failed",
    ),
    path(
        f"{APP}/deliveries/<str:delivery_id>",
        views.AppWebhookDeliveryDetailApi.as_view(),
        name="delivery-detail",
    ),
    path(
        f"{APP}/deliveries/<str:delivery_id>/replay",
        views.AppWebhookDeliveryReplayApi.as_view(),
        name="delivery-replay",
    ),
]
