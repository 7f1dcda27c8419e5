"""Pure rules about who may see and retry an account's jobs. No ORM, no request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.actors import Actor
from apps.jobs.kinds import APP_DELETE, VERSION_ROLLOUT, WEBHOOKS_REPLAY

if TYPE_CHECKING:
    from apps.jobs.models import Job

# The kinds a developer's own work starts: they follow them without being an admin.
DEVELOPER_KINDS = (APP_DELETE, VERSION_ROLLOUT, WEBHOOKS_REPLAY)


def member_can_retry(*, is_admin: bool, is_developer: bool, kind: str) -> bool:
    """Whether a member of a job's account may send it back to the queue: its admins any
    job, members with the developer right the developer kinds. Starting a job alone does
    not give the right to retry it."""
    return is_admin or (is_developer and kind in DEVELOPER_KINDS)


def job_can_retry(actor: Actor, *, job: Job) -> bool:
    """Whether ``actor`` may retry ``job``: an API key of the job's account any job (it
    acts as the account), a member of that account by ``member_can_retry``; anyone else,
    app tokens included, never."""
    if actor.account_id is None or actor.account_id != job.account_id or actor.via_app_token:
        return False
    if actor.via_api_key:
        return True
    membership = actor.membership
    if membership is None:
        return False
    return member_can_retry(
        is_admin=membership.is_admin, is_developer=membership.is_developer, kind=job.kind
    )


def job_retry_refusal(job: Job) -> str:
    """Why someone who sees ``job`` may not retry it, and who can."""
    return "Only an admin of this account can retry this job" + (
        "; members with the developer right can retry app deletions and rollouts."
        if job.kind in DEVELOPER_KINDS
        else "."
    )
