"""The job kinds of this context.

``system.diagnostic`` sends a job through the whole background pipeline (database row,
broker, worker, one message per step, progress) so staff can see that it works.
"""

import time

from django.db import transaction

from apps.accounts.models import User
from apps.jobs.models import Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register
from apps.jobs.services import job_create

DIAGNOSTIC = "system.diagnostic"

# Kinds registered by ``apps.lifecycle``. The services whose change makes such a job
# necessary (uninstall, app deletion, publishing a version) sit below it and create the
# job by name, in their own transaction: the job row is their outbox.
INSTALLATION_UNINSTALL = "lifecycle.installation_uninstall"
APP_DELETE = "lifecycle.app_delete"
VERSION_ROLLOUT = "lifecycle.version_rollout"
# Registered by ``apps.webhooks``: a developer's replay of failed deliveries.
WEBHOOKS_REPLAY = "webhooks.replay_failed"
DIAGNOSTIC_MAX_STEPS = 100
DIAGNOSTIC_MAX_STEP_SECONDS = 5.0
DIAGNOSTIC_DEFAULT_STEPS = 5


def _diagnostic_chunk(job: Job) -> ChunkResult:
    steps = int(job.payload.get("steps", 5))
    pause = float(job.payload.get("step_seconds", 0.5))
    time.sleep(max(0.0, min(pause, DIAGNOSTIC_MAX_STEP_SECONDS)))
    done = min(steps, job.progress_done + 1)
    return ChunkResult(
        done=done,
        total=steps,
        finished=done >= steps,
        message=f"Step {done} of {steps} ran on a worker.",
    )


job_kind_register(
    JobKind(name=DIAGNOSTIC, label="Pipeline diagnostic", run_chunk=_diagnostic_chunk)
)


@transaction.atomic
def diagnostic_start(
    *, created_by: User | None, steps: int = DIAGNOSTIC_DEFAULT_STEPS, step_seconds: float = 0.5
) -> Job:
    """Queue a diagnostic job of ``steps`` steps, one worker message each."""
    steps = max(1, min(steps, DIAGNOSTIC_MAX_STEPS))
    return job_create(
        kind=DIAGNOSTIC,
        payload={"steps": steps, "step_seconds": step_seconds},
        total=steps,
        created_by=created_by,
        target="pipeline diagnostic",
    )
