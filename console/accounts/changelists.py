"""Changelists of the account admin pages."""

from django.db.models import Q
from django.http import HttpRequest

from apps.accounts.models import Account
from apps.accounts.selectors import (
    api_key_list_for_account,
    member_list_for_account,
    role_list_for_account,
)
from console.changelist import Action, ChangeList, Column, Filter, boolean_filter

REVOKE = Action(name="revoke", label="Revoke selected keys")


def member_changelist(request: HttpRequest, *, account: Account) -> ChangeList:
    def role_choices(_queryset: object) -> list[tuple[str, str]]:
        roles = role_list_for_account(account=account)
        return [("none", "No role"), *((str(role.pk), role.name) for role in roles)]

    def role_lookup(value: str) -> Q:
        return Q(role__isnull=True) if value == "none" else Q(role_id=value)

    return ChangeList(
        request,
        member_list_for_account(account=account),
        columns=[
            Column("email", "E-mail", sort="user__email"),
            Column("name", "Name", sort="user__full_name"),
            Column("role", "Role", sort="role__name"),
            Column("groups", "Groups"),
            Column("admin", "Admin", sort="is_admin", css="center"),
            Column("developer", "Developer", sort="is_developer", css="center"),
        ],
        row_template="console/accounts/includes/member_row.html",
        search_fields=["user__email", "user__full_name"],
        search_placeholder="Search e-mail or name",
        filters=[
            Filter("role", "Role", choices=role_choices, lookup=role_lookup),
            boolean_filter("admin", "Admin", "is_admin"),
            boolean_filter("developer", "Developer", "is_developer"),
            boolean_filter("active", "Active", "is_active"),
        ],
        default_sort="user__email",
        empty_message="This account has no members yet.",
        object_name="member",
    )


def api_key_changelist(request: HttpRequest, *, account: Account) -> ChangeList:
    return ChangeList(
        request,
        api_key_list_for_account(account=account),
        columns=[
            Column("name", "Name", sort="name"),
            Column("prefix", "Key"),
            Column("created_by", "Created by"),
            Column("created", "Created", sort="created_at"),
            Column("last_used", "Last used", sort="last_used_at"),
            Column("status", "Status"),
            Column("actions", "", css="right"),
        ],
        row_template="console/accounts/includes/api_key_row.html",
        search_fields=["name", "key_id"],
        search_placeholder="Search name or key prefix",
        filters=[
            Filter(
                "status",
                "Status",
                choices=[("active", "Active"), ("revoked", "Revoked")],
                lookup={
                    "active": Q(revoked_at__isnull=True),
                    "revoked": Q(revoked_at__isnull=False),
                },
            ),
        ],
        default_sort="-created_at",
        actions=[REVOKE],
        empty_message="No API keys yet.",
        object_name="API key",
    )
