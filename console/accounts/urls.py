from django.urls import path

from console.accounts import views

app_name = "accounts"

urlpatterns = [
    path("switch/", views.AccountSwitchView.as_view(), name="account-switch"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("roles/", views.RoleListView.as_view(), name="role-list"),
    path("api-keys/", views.ApiKeyListView.as_view(), name="api_key-list"),
    path("api-keys/new/", views.ApiKeyCreateView.as_view(), name="api_key-create"),
    path(
        "api-keys/<int:key_id>/created/", views.ApiKeyCreatedView.as_view(), name="api_key-created"
    ),
    path("api-keys/<int:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="api_key-revoke"),
]
