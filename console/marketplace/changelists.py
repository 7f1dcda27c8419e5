"""The public catalog as a changelist rendered as cards: search, filters and order."""

from django.http import HttpRequest

from apps.catalog.selectors import (
    catalog_app_list_for_browsing,
    catalog_filter_authorization,
    catalog_filter_reads_module,
)
from apps.scopes.catalog import get_catalog
from console.changelist import ChangeList, Choices, Column, Filter

# The orders offered, as ``?o=`` values: the changelist reads them from its columns.
SORTS: list[tuple[str, str]] = [("name", "Name, A to Z"), ("-published", "Newest first")]


def _module_choices(_queryset: object) -> Choices:
    return [(module.code, module.label) for module in get_catalog().modules.values()]


def catalog_changelist(request: HttpRequest) -> ChangeList:
    return ChangeList(
        request,
        catalog_app_list_for_browsing(),
        columns=[
            Column("name", "Name", sort="name"),
            Column("published", "Published", sort="last_published_at"),
        ],
        row_template="",
        search_fields=["name", "summary", "description", "account__name"],
        search_placeholder="Search apps, descriptions and publishers",
        filters=[
            Filter(
                "reads",
                "Data it reads",
                choices=_module_choices,
                lookup=catalog_filter_reads_module,
            ),
            Filter(
                "authorization",
                "Authorization",
                choices=[("account", "Account level"), ("user", "User level")],
                lookup=catalog_filter_authorization,
            ),
        ],
        default_sort="name",
        page_size=24,
        empty_message="No apps are published in the marketplace yet.",
        object_name="app",
    )
