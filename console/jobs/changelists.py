"""The changelist of the account's background jobs."""

from django.http import HttpRequest

from apps.accounts.actors import Actor
from apps.jobs.models import Job
from apps.jobs.registry import job_kind_label
from apps.jobs.selectors import job_list_for
from console.changelist import ChangeList, Column, Filter, distinct_choices


def job_changelist(request: HttpRequest, *, actor: Actor) -> ChangeList:
    """The jobs ``actor`` may see, newest first, with their creator joined: a COUNT, the
    page and the kind choices, whatever the number of rows."""
    return ChangeList(
        request,
        job_list_for(actor=actor),
        columns=[
            Column("id", "#", sort="pk", css="num"),
            Column("kind", "Job", sort="kind"),
            Column("target", "Target"),
            Column("state", "State", sort="state"),
            Column("progress", "Progress"),
            Column("created_by", "Started by"),
            Column("created", "Started", sort="created_at"),
        ],
        row_template="console/jobs/includes/job_row.html",
        search_fields=["target"],
        search_placeholder="Search target",
        filters=[
            Filter("state", "State", choices=Job.State.choices, lookup="state"),
            Filter("kind", "Job", choices=distinct_choices("kind", job_kind_label), lookup="kind"),
        ],
        default_sort="-created_at",
        page_size=25,
        empty_message="No background jobs you can see yet.",
        object_name="job",
    )
