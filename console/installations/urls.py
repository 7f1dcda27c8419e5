from django.urls import path

from console.embedding.views import EmbeddedPageView
from console.installations import views

app_name = "installations"

INSTALLED = "installed/<int:installation_id>/"

urlpatterns = [
    # every member: the apps they may use, and their own settings
    path("", views.MyAppListView.as_view(), name="my_app-list"),
    path("<int:installation_id>/settings/", views.MySettingsView.as_view(), name="my_app-settings"),
    path(
        "<int:installation_id>/settings/files/<str:key>/",
        views.MySettingFileView.as_view(),
        name="my_app-file",
    ),
    path(
        "<int:installation_id>/open/<str:embedding_id>/",
        EmbeddedPageView.as_view(),
        name="my_app-open",
    ),
    path(
        "<int:installation_id>/reauthorize/",
        views.MyAppReauthorizeView.as_view(),
        name="my_app-reauthorize",
    ),
    # account admins
    path("installed/", views.InstallationListView.as_view(), name="installation-list"),
    path(INSTALLED, views.InstallationDetailView.as_view(), name="installation-detail"),
    path(
        f"{INSTALLED}webhooks/<int:subscription_id>/enable/",
        views.InstallationWebhookEnableView.as_view(),
        name="installation-webhook_enable",
    ),
    path(f"{INSTALLED}access/", views.InstallationAccessView.as_view(), name="installation-access"),
    path(
        f"{INSTALLED}settings/",
        views.InstallationSettingsView.as_view(),
        name="installation-settings",
    ),
    path(
        f"{INSTALLED}settings/files/<str:key>/",
        views.InstallationFileView.as_view(),
        name="installation-file",
    ),
    path(
        f"{INSTALLED}settings/user/",
        views.InstallationUserPickView.as_view(),
        name="installation-user_pick",
    ),
    path(
        f"{INSTALLED}settings/user/<int:user_id>/",
        views.InstallationUserSettingsView.as_view(),
        name="installation-user_settings",
    ),
    path(
        f"{INSTALLED}settings/user/<int:user_id>/files/<str:key>/",
        views.InstallationUserFileView.as_view(),
        name="installation-user_file",
    ),
    path(
        f"{INSTALLED}connection/",
        views.InstallationConnectionView.as_view(),
        name="installation-connection",
    ),
    path(
        f"{INSTALLED}connection/connect/",
        views.InstallationConnectView.as_view(),
        name="installation-connection_connect",
    ),
    path(
        f"{INSTALLED}connection/refresh/",
        views.InstallationConnectionRefreshView.as_view(),
        name="installation-connection_refresh",
    ),
    path(
        f"{INSTALLED}connection/disconnect/",
        views.InstallationDisconnectView.as_view(),
        name="installation-connection_disconnect",
    ),
    path(
        f"{INSTALLED}connection/test/",
        views.InstallationConnectionTestView.as_view(),
        name="installation-connection_test",
    ),
    path(f"{INSTALLED}update/", views.InstallationUpdateView.as_view(), name="installation-update"),
    path(
        f"{INSTALLED}reauthorize/",
        views.InstallationReauthorizeView.as_view(),
        name="installation-reauthorize",
    ),
    path(f"{INSTALLED}pin/", views.InstallationPinView.as_view(), name="installation-pin"),
    path(f"{INSTALLED}unpin/", views.InstallationUnpinView.as_view(), name="installation-unpin"),
    path(
        f"{INSTALLED}uninstall/",
        views.InstallationUninstallView.as_view(),
        name="installation-uninstall",
    ),
]
