from django.urls import path

from apps.accounts.api import people, teams, views

app_name = "accounts"

urlpatterns = [
    path("account", views.AccountCurrentApi.as_view(), name="account-current"),
    path("account/history", teams.AccountEventListApi.as_view(), name="account_event-list"),
    path("api-keys", views.ApiKeyListApi.as_view(), name="api_key-list"),
    path("api-keys/<int:key_id>", views.ApiKeyDetailApi.as_view(), name="api_key-detail"),
    path("api-keys/<int:key_id>/revoke", views.ApiKeyRevokeApi.as_view(), name="api_key-revoke"),
    path("members", people.MemberListApi.as_view(), name="member-list"),
    path("members/<int:user_id>", people.MemberDetailApi.as_view(), name="member-detail"),
    path("invitations", people.InvitationListApi.as_view(), name="invitation-list"),
    path(
        "invitations/<int:invitation_id>",
        people.InvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path(
        "invitations/<int:invitation_id>/resend",
        people.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke",
        people.InvitationRevokeApi.as_view(),
        name="invitation-revoke",
    ),
    path("roles", teams.RoleListApi.as_view(), name="role-list"),
    path("roles/<int:role_id>", teams.RoleDetailApi.as_view(), name="role-detail"),
    path("groups", teams.GroupListApi.as_view(), name="group-list"),
    path("groups/<int:group_id>", teams.GroupDetailApi.as_view(), name="group-detail"),
]
