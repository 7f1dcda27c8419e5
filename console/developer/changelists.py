"""Changelists of the Developer Console."""

from django.http import HttpRequest

from apps.accounts.models import Account
from apps.catalog.models import AppStatus, AppType
from apps.catalog.selectors import app_list_for_developer
from console.changelist import Action, ChangeList, Column, Filter, boolean_filter

DEACTIVATE = Action(name="deactivate", label="Deactivate selected apps")
ACTIVATE = Action(name="activate", label="Activate selected apps")


def app_changelist(request: HttpRequest, *, account: Account) -> ChangeList:
    """The account's apps with their version counts, published number and pending reviews
    (annotated by the selector: one query for the page whatever its size)."""
    return ChangeList(
        request,
        app_list_for_developer(account=account),
        columns=[
            Column("name", "App", sort="name"),
            Column("type", "Kind"),
            Column("status", "Status", sort="status"),
            Column("versions", "Versions", css="num"),
            Column("published", "Published"),
            Column("pending", "In moderation", css="num"),
            Column("created", "Created", sort="created_at"),
        ],
        row_template="console/developer/includes/app_row.html",
        search_fields=["name", "code"],
        search_placeholder="Search name or code",
        filters=[
            Filter("type", "Kind", choices=AppType.choices, lookup="type"),
            Filter("status", "Status", choices=AppStatus.choices, lookup="status"),
            boolean_filter("listed", "Listed", "is_listed"),
        ],
        default_sort="name",
        actions=[DEACTIVATE, ACTIVATE],
        empty_message="You have no apps yet.",
        object_name="app",
    )
