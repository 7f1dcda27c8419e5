"""Changelists of the platform staff pages."""

from django.http import HttpRequest

from apps.jobs.models import Job
from apps.jobs.registry import job_kind_label
from apps.jobs.selectors import job_list_for_staff
from console.changelist import ChangeList, Column, Filter, distinct_choices


def job_changelist(request: HttpRequest) -> ChangeList:
    return ChangeList(
        request,
        job_list_for_staff(),
        columns=[
            Column("id", "#", sort="pk", css="num"),
            Column("kind", "Kind", sort="kind"),
            Column("target", "Target"),
            Column("account", "Account"),
            Column("state", "State", sort="state"),
            Column("progress", "Progress"),
            Column("created", "Created", sort="created_at"),
            Column("finished", "Finished", sort="finished_at"),
        ],
        row_template="console/system/includes/job_row.html",
        search_fields=["target"],
        search_placeholder="Search target",
        filters=[
            Filter("state", "State", choices=Job.State.choices, lookup="state"),
            Filter("kind", "Kind", choices=distinct_choices("kind", job_kind_label), lookup="kind"),
        ],
        default_sort="-created_at",
        page_size=25,
        empty_message="No background jobs yet.",
        object_name="job",
    )
