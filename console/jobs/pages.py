"""What a job's page shows, shared by the account's job pages and the staff ones.

Both render ``console/jobs/includes/job_progress.html`` with the context built here: the
job, the URL the block polls while the job is unfinished, the retry URL when the viewer
may retry, and where to go once the job has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from apps.accounts.models import Membership
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job


@dataclass(frozen=True)
class NextLink:
    label: str
    url: str


def job_next_link(*, job: Job, membership: Membership) -> NextLink | None:
    """Where a person goes once ``job`` has succeeded: back to the page its work started
    from, when ``membership`` may open that page."""
    if job.state != Job.State.SUCCEEDED:
        return None
    if job.kind in (APP_DELETE, VERSION_ROLLOUT) and membership.is_developer:
        return NextLink("Back to your apps", reverse("console:developer:app-list"))
    if job.kind == INSTALLATION_UNINSTALL and membership.is_admin:
        return NextLink(
            "Back to Installed apps", reverse("console:installations:installation-list")
        )
    return None


def job_block_context(
    *,
    job: Job,
    progress_url: str,
    retry_url: str | None,
    next_link: NextLink | None = None,
    retry_hint: str = "",
) -> dict[str, Any]:
    """The context of the progress block. ``retry_url`` is ``None`` when the viewer may
    not retry; ``retry_hint`` then says who can."""
    return {
        "job": job,
        "progress_url": progress_url,
        "retry_url": retry_url,
        "next_link": next_link,
        "retry_hint": retry_hint,
    }
