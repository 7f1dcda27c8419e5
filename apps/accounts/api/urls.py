from django.urls import path

from apps.accounts.api import views

app_name = "accounts"

urlpatterns = [
    path("account", views.AccountCurrentApi.as_view(), name="account-current"),
    path("api-keys", views.ApiKeyListApi.as_view(), name="api_key-list"),
    path("api-keys/<int:key_id>", views.ApiKeyDetailApi.as_view(), name="api_key-detail"),
    path("api-keys/<int:key_id>/revoke", views.ApiKeyRevokeApi.as_view(), name="api_key-revoke"),
]
