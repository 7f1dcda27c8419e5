from django.urls import path

from console.accounts import join, members, profiles, roles, views

app_name = "accounts"

MEMBER = "members/<int:user_id>/"
INVITATION = "invitations/<int:invitation_id>/"

urlpatterns = [
    path("switch/", views.AccountSwitchView.as_view(), name="account-switch"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path(MEMBER, members.MemberEditView.as_view(), name="member-edit"),
    path("people/<int:user_id>/", profiles.MemberProfileView.as_view(), name="member-profile"),
    path("preferences/", profiles.PreferencesView.as_view(), name="preferences"),
    path(f"{MEMBER}deactivate/", members.MemberDeactivateView.as_view(), name="member-deactivate"),
    path(f"{MEMBER}activate/", members.MemberActivateView.as_view(), name="member-activate"),
    path(f"{MEMBER}remove/", members.MemberRemoveView.as_view(), name="member-remove"),
    path("invitations/", members.InvitationListView.as_view(), name="invitation-list"),
    path("invitations/new/", members.InvitationCreateView.as_view(), name="invitation-create"),
    path(f"{INVITATION}resend/", members.InvitationResendView.as_view(), name="invitation-resend"),
    path(f"{INVITATION}revoke/", members.InvitationRevokeView.as_view(), name="invitation-revoke"),
    path("join/<str:token>/", join.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("roles/", views.RoleListView.as_view(), name="role-list"),
    path("roles/new/", roles.RoleFormView.as_view(), name="role-create"),
    path("roles/<int:role_id>/", roles.RoleFormView.as_view(), name="role-edit"),
    path("roles/<int:role_id>/delete/", roles.RoleDeleteView.as_view(), name="role-delete"),
    path("groups/new/", roles.GroupFormView.as_view(), name="group-create"),
    path("groups/<int:group_id>/", roles.GroupFormView.as_view(), name="group-edit"),
    path("groups/<int:group_id>/delete/", roles.GroupDeleteView.as_view(), name="group-delete"),
    path("history/", roles.AccountEventListView.as_view(), name="event-list"),
    path("api-keys/", views.ApiKeyListView.as_view(), name="api_key-list"),
    path("api-keys/new/", views.ApiKeyCreateView.as_view(), name="api_key-create"),
    path(
        "api-keys/<int:key_id>/created/", views.ApiKeyCreatedView.as_view(), name="api_key-created"
    ),
    path("api-keys/<int:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="api_key-revoke"),
]
