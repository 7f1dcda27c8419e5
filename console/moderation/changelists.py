"""The review queue as a changelist: oldest submission first, with the filters a
moderator sorts their day by."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from apps.catalog.selectors import AGE_FILTERS, age_cutoff
from apps.moderation.selectors import review_queue
from console.access import request_actor
from console.changelist import ChangeList, Choices, Column, Filter

AGE_CHOICES = [
    (code, f"Waiting over {age.days} day{'s' if age.days != 1 else ''}")
    for code, age in AGE_FILTERS.items()
]


def _app_choices(queryset: QuerySet[Any]) -> Choices:
    rows = queryset.order_by("app__name", "app_id").values_list("app_id", "app__name").distinct()
    return [(str(pk), name) for pk, name in rows]


def _developer_choices(queryset: QuerySet[Any]) -> Choices:
    rows = (
        queryset.order_by("app__account__name", "app__account_id")
        .values_list("app__account_id", "app__account__name")
        .distinct()
    )
    return [(str(pk), name) for pk, name in rows]


def review_changelist(request: HttpRequest) -> ChangeList:
    me = request_actor(request).user_id
    return ChangeList(
        request,
        review_queue(),
        columns=[
            Column("app", "App", sort="app__name"),
            Column("developer", "Developer", sort="app__account__name"),
            Column("version", "Version"),
            Column("status", "Status", sort="status"),
            Column("age", "Waiting", sort="submitted_at"),
            Column("claimed_by", "Claimed by", sort="claimed_by"),
            Column("actions", "", css="right"),
        ],
        row_template="console/moderation/includes/review_row.html",
        search_fields=["app__name"],
        search_placeholder="Search app name",
        filters=[
            Filter("app", "App", choices=_app_choices, lookup="app_id"),
            Filter("developer", "Developer", choices=_developer_choices, lookup="app__account_id"),
            Filter(
                "age",
                "Age",
                choices=AGE_CHOICES,
                lookup=lambda code: Q(submitted_at__lte=age_cutoff(code)),
            ),
            Filter(
                "claimed",
                "Claimed",
                choices=[
                    ("no", "Unclaimed"),
                    ("me", "Claimed by me"),
                    ("others", "Claimed by others"),
                ],
                lookup={
                    "no": Q(claimed_by_id__isnull=True),
                    "me": Q(claimed_by_id=me),
                    "others": Q(claimed_by_id__isnull=False) & ~Q(claimed_by_id=me),
                },
            ),
        ],
        default_sort="submitted_at",
        empty_message="Nothing waits for review. New submissions of public apps appear here.",
        object_name="version",
    )
