from django.urls import path

from apps.installations.api import settings_views, views

app_name = "installations"

ONE = "installations/<int:installation_id>"
USER = f"{ONE}/users/<str:user_ref>"

urlpatterns = [
    path("installations", views.InstallationListApi.as_view(), name="installation-list"),
    path(ONE, views.InstallationDetailApi.as_view(), name="installation-detail"),
    path(
        f"{ONE}/uninstall",
        views.InstallationUninstallApi.as_view(),
        name="installation-uninstall",
    ),
    path(f"{ONE}/pin", views.InstallationPinApi.as_view(), name="installation-pin"),
    path(f"{ONE}/unpin", views.InstallationUnpinApi.as_view(), name="installation-unpin"),
    path(f"{ONE}/access", views.InstallationAccessApi.as_view(), name="installation-access"),
    path(f"{ONE}/update", views.InstallationUpdateApi.as_view(), name="installation-update"),
    path(f"{ONE}/history", views.InstallationHistoryApi.as_view(), name="installation-history"),
    path(
        f"{ONE}/settings",
        settings_views.InstallationSettingsApi.as_view(),
        name="installation-settings",
    ),
    path(
        f"{ONE}/settings/<str:key>/file",
        settings_views.InstallationSettingFileApi.as_view(),
        name="installation-setting_file",
    ),
    path(
        f"{USER}/settings",
        settings_views.InstallationUserSettingsApi.as_view(),
        name="installation-user_settings",
    ),
    path(
        f"{USER}/settings/<str:key>/file",
        settings_views.InstallationUserSettingFileApi.as_view(),
        name="installation-user_setting_file",
    ),
]
