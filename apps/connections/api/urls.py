from django.urls import path

from apps.connections.api import admin_views, developer_views, views

app_name = "connections"

ONE = "installations/<int:installation_id>/connection"
APP = "apps/<str:code>"

urlpatterns = [
    path("connection", views.ConnectionApi.as_view(), name="connection"),
    path(
        ONE, admin_views.InstallationConnectionApi.as_view(), name="installation_connection-detail"
    ),
    path(
        f"{ONE}/connect",
        admin_views.InstallationConnectApi.as_view(),
        name="installation_connection-connect",
    ),
    path(
        f"{ONE}/test",
        admin_views.InstallationConnectionTestApi.as_view(),
        name="installation_connection-test",
    ),
    path(
        f"{ONE}/refresh",
        admin_views.InstallationConnectionRefreshApi.as_view(),
        name="installation_connection-refresh",
    ),
    path(
        f"{ONE}/disconnect",
        admin_views.InstallationDisconnectApi.as_view(),
        name="installation_connection-disconnect",
    ),
    path(
        f"{APP}/outside-client",
        developer_views.OutsideClientApi.as_view(),
        name="outside_client-detail",
    ),
    path(
        f"{APP}/connection-tests",
        developer_views.ConnectionTestListApi.as_view(),
        name="connection_test-list",
    ),
]
