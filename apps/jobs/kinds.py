"""The job kinds of this context.

``system.diagnostic`` sends a job through the whole background pipeline (database row,
broker, worker, one message per step, progress) so staff can see that it works.
"""

import time

from apps.jobs.models import Job
from apps.jobs.registry import ChunkResult, JobKind, job_kind_register

DIAGNOSTIC = "system.diagnostic"
DIAGNOSTIC_MAX_STEPS = 100
DIAGNOSTIC_MAX_STEP_SECONDS = 5.0


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
