from django.urls import path

from apps.modules.api import users

app_name = "modules"

urlpatterns = [
    path("users/me", users.UserMeApi.as_view(), name="user-me"),
    path("users", users.UserListApi.as_view(), name="user-list"),
]
