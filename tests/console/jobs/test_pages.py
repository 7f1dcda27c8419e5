"""The pure helpers of the job pages: why an unfinished job is not moving, and what a
failed job left undone in plain words. Rows are built in memory: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.jobs.kinds import APP_DELETE, DIAGNOSTIC, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Job
from console.jobs.pages import Backoff, Stalled, job_delay, job_failure_summary

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
STALE = timedelta(seconds=60)
SWEEP = timedelta(seconds=30)


def job(**fields) -> Job:
    fields.setdefault("kind", APP_DELETE)
    fields.setdefault("state", Job.State.RUNNING)
    fields.setdefault("updated_at", NOW - timedelta(seconds=5))
    fields.setdefault("enqueued_at", NOW - timedelta(seconds=5))
    return Job(**fields)


def delay(row: Job) -> Backoff | Stalled | None:
    return job_delay(row, now=NOW, stale_after=STALE, sweep_every=SWEEP)


class TestJobDelay:
    def test_a_job_that_moved_lately_is_not_delayed(self):
        assert delay(job()) is None

    def test_a_job_working_under_its_lease_is_not_delayed(self):
        assert delay(job(lease_expires_at=NOW + timedelta(minutes=5))) is None

    @pytest.mark.parametrize("state", [Job.State.SUCCEEDED, Job.State.FAILED])
    def test_a_finished_job_is_never_delayed(self, state):
        old = NOW - timedelta(hours=2)

        assert delay(job(state=state, updated_at=old, lease_expires_at=old)) is None

    def test_backing_off_says_when_it_runs_again(self):
        retry_at = NOW + timedelta(seconds=16)

        assert delay(job(run_after=retry_at, updated_at=NOW - STALE * 3)) == Backoff(retry_at)

    def test_a_back_off_that_is_over_is_judged_like_any_other_job(self):
        assert delay(job(run_after=NOW - timedelta(seconds=1))) is None

    def test_a_lease_that_ran_out_is_stalled_and_picked_up_on_the_next_sweeps(self):
        updated = NOW - timedelta(seconds=20)
        row = job(
            updated_at=updated,
            enqueued_at=updated,
            lease_expires_at=NOW - timedelta(seconds=1),
        )

        # The sweeper wakes it once its last wake-up is STALE old: at updated + 60 s,
        # then at most one sweep interval later.
        assert delay(row) == Stalled(since=updated, pickup_by=updated + STALE + SWEEP)

    def test_a_lost_wake_up_is_stalled_and_picked_up_by_the_next_sweep(self):
        updated = NOW - timedelta(minutes=10)

        assert delay(job(updated_at=updated, enqueued_at=updated)) == Stalled(
            since=updated, pickup_by=NOW + SWEEP
        )

    def test_a_held_lease_without_progress_waits_for_the_lease_to_run_out(self):
        updated = NOW - timedelta(minutes=2)
        lease_end = NOW + timedelta(minutes=4)

        assert delay(
            job(updated_at=updated, enqueued_at=updated, lease_expires_at=lease_end)
        ) == Stalled(since=updated, pickup_by=lease_end + SWEEP)

    def test_a_pending_job_nobody_took_is_stalled_too(self):
        updated = NOW - timedelta(minutes=3)

        result = delay(job(state=Job.State.PENDING, updated_at=updated, enqueued_at=None))

        assert result == Stalled(since=updated, pickup_by=NOW + SWEEP)


class TestFailureSummary:
    def test_an_uninstall_names_the_step_it_stopped_at(self):
        text = job_failure_summary(job(kind=INSTALLATION_UNINSTALL, progress_done=2))

        assert text == (
            "The uninstall stopped at step 3 of 7 (setting files); the steps before it are "
            "done and the app's tokens stay refused."
        )

    def test_an_app_deletion_counts_the_accounts_done(self):
        text = job_failure_summary(job(kind=APP_DELETE, progress_done=3, progress_total=10))

        assert text.startswith("The deletion stopped after removing the app from 3 of 10 accounts;")

    def test_an_app_deletion_that_failed_before_counting(self):
        text = job_failure_summary(job(kind=APP_DELETE, progress_total=None))

        assert text.startswith("The deletion stopped before it counted the accounts;")

    def test_an_app_deletion_that_stopped_on_the_app_itself(self):
        text = job_failure_summary(job(kind=APP_DELETE, progress_done=1, progress_total=1))

        assert text.startswith("The deletion removed the app from 1 of 1 account but stopped")

    def test_a_rollout_counts_the_installations(self):
        text = job_failure_summary(job(kind=VERSION_ROLLOUT, progress_done=4, progress_total=9))

        assert text.startswith("The rollout stopped after 4 of 9 installations;")

    def test_any_other_kind_uses_its_label(self):
        text = job_failure_summary(job(kind=DIAGNOSTIC, progress_done=2, progress_total=5))

        assert text == "Pipeline diagnostic stopped after an error, at 2 of 5."
