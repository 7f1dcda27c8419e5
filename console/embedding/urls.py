from django.urls import path

from console.embedding import views

app_name = "embedding"

FRAME = "<int:installation_id>/embedded/<str:embedding_id>/"

urlpatterns = [
    path("menu/", views.AppMenuView.as_view(), name="menu"),
    path(f"{FRAME}launch/", views.LaunchView.as_view(), name="launch"),
    path(f"{FRAME}launch-token/", views.LaunchTokenApi.as_view(), name="launch-token"),
    path(f"{FRAME}tokens/", views.TokensApi.as_view(), name="tokens"),
    path(f"{FRAME}status/", views.StatusApi.as_view(), name="status"),
    path(f"{FRAME}settings/app/", views.AppSettingsApi.as_view(), name="settings-app"),
    path(f"{FRAME}settings/user/", views.UserSettingsApi.as_view(), name="settings-user"),
]
