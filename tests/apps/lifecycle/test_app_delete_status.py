"""When an app's deletion reaches an installation that must go step by step, the
installation moves to ``uninstalling`` through the installations service, and its
history records who moved it and why until the installation row goes."""

import pytest

from apps.catalog.services import app_delete
from apps.installations.models import Installation, InstallationEvent, InstallationStatus
from apps.jobs.kinds import APP_DELETE
from apps.jobs.models import Job
from tests.apps.lifecycle.conftest import jobs_for, run_job

pytestmark = pytest.mark.django_db


def test_the_move_to_uninstalling_is_recorded_in_the_history(installed, published, settings):
    settings.LIFECYCLE_CHUNK_SECONDS = 0  # one step per chunk: the moment can be seen
    app_delete(app=published.app)
    [job] = jobs_for(APP_DELETE, app_id=published.app.pk)
    seen: list[tuple[str, str, dict]] = []

    def after_chunk(_job: Job) -> None:
        row = Installation.objects.filter(pk=installed.pk).first()
        if row is not None and row.status == InstallationStatus.UNINSTALLING and not seen:
            event = row.events.get(kind=InstallationEvent.Kind.UNINSTALL_REQUESTED)
            seen.append((event.actor_label, row.uninstall_requested_by_id, event.detail))

    job = run_job(job, after_chunk=after_chunk)

    assert job.state == Job.State.SUCCEEDED
    assert seen == [("App deletion", None, {"reason": "app_deleted"})]
    assert not Installation.objects.filter(pk=installed.pk).exists()
