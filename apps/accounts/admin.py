from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from apps.accounts.models import (
    Account,
    AccountEvent,
    ApiKey,
    Group,
    Invitation,
    Membership,
    Role,
    User,
)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["account", "role"]
    filter_horizontal = ["groups"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name", "language")}),
        (
            "Platform permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [MembershipInline]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "language", "is_active", "created_at"]
    list_filter = ["is_active", "language"]
    search_fields = ["slug", "name"]
    inlines = [RoleInline, GroupInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "account"]
    list_select_related = ["account"]
    search_fields = ["name", "account__slug"]
    autocomplete_fields = ["account"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "account"]
    list_select_related = ["account"]
    search_fields = ["name", "account__slug"]
    autocomplete_fields = ["account"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role", "is_admin", "is_developer", "is_active"]
    list_filter = ["is_admin", "is_developer", "is_active"]
    list_select_related = ["user", "account", "role"]
    search_fields = ["user__email", "account__slug"]
    autocomplete_fields = ["user", "account", "role"]
    filter_horizontal = ["groups"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "display_prefix", "account", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["account"]
    search_fields = ["name", "key_id", "account__slug"]
    list_filter = ["revoked_at"]
    readonly_fields = ["key_id", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: object) -> bool:
        # Keys are created in the console or the API, where the raw key is shown once.
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent by account admins in the console or the API (where
    the link is e-mailed); staff look, and may revoke by setting ``revoked_at``."""

    list_display = ["email", "account", "invited_by_label", "sent_at", "expires_at", "accepted_at"]
    list_select_related = ["account"]
    search_fields = ["email", "account__slug"]
    readonly_fields = [
        "account",
        "email",
        "role",
        "groups",
        "is_admin",
        "is_developer",
        "invited_by",
        "invited_by_label",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """An account's history, append-only."""

    list_display = ["created_at", "account", "kind", "target", "actor_label"]
    list_filter = ["kind"]
    list_select_related = ["account"]
    search_fields = ["target", "actor_label", "account__slug"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
