"""Thin Celery entry points: load by id, call a service."""

from celery import shared_task

from apps.jobs.services import job_run, jobs_sweep


@shared_task(name="jobs.run", ignore_result=True)
def job_run_task(job_id: int) -> str:
    """Run one chunk of job ``job_id``. Idempotent; a duplicate message does nothing."""
    return job_run(job_id=job_id)


@shared_task(name="jobs.sweep", ignore_result=True)
def jobs_sweep_task() -> int:
    """Periodic: wake up jobs whose message was lost or whose worker died."""
    return len(jobs_sweep())
