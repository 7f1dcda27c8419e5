"""The App API's routes. Listed directly in ``marketplace.api_urls`` (first, with no
include and namespace of their own): apps call them on every request."""

from django.urls import path

from apps.modules.api import users

urlpatterns = [
    path("users/me", users.UserMeApi.as_view(), name="user-me"),
    path("users", users.UserListApi.as_view(), name="user-list"),
]
