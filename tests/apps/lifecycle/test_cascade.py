"""The uninstall cascade of one installation: each step removes its rows and nothing
else, the job runs it to the end, everything runs twice with the same end state, a chunk
cut off by its time budget finishes on the next one, and no row of another installation
(of this app or of another app, on this account or another) is touched."""

import os
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone
from oauth2_provider.models import set_token_value

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.core.errors import Conflict
from apps.installations.models import Installation, InstallationStatus, WebhookSubscription
from apps.installations.selectors import embedding_list_for_member
from apps.installations.services import installation_uninstall
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.services import job_retry, job_run
from apps.lifecycle.services import batches
from apps.lifecycle.services.batches import NO_DEADLINE
from apps.lifecycle.services.cascade import UNINSTALL_STEPS, installation_purge
from apps.oauth.models import AccessToken
from tests.apps.api.helpers import API, api_client
from tests.apps.lifecycle.conftest import (
    EXPECTED_COUNTS,
    FILES,
    Installed,
    counts,
    jobs_for,
    make_people,
    populate,
    publish_app,
    run_job,
)
from tests.factories import AccountFactory
from tests.factories.oauth import refresh

pytestmark = pytest.mark.django_db

ME = f"{API}/users/me"
STEPS = len(UNINSTALL_STEPS)
GONE = dict.fromkeys(EXPECTED_COUNTS, 0)

# The row kinds each step removes, in the order of ``UNINSTALL_STEPS``. The files step
# removes the setting rows that hold a file; the settings step the rest.
REMOVED_BY = {
    "tokens": {"grants", "refresh_tokens", "access_tokens"},
    "authorizations": {"authorizations"},
    "files": set(),
    "settings": {"settings", "connection"},
    "webhooks": {"webhooks"},
    "access": {"access"},
    "installation": {"events", "installation"},
}


def _uninstall(installed: Installed) -> Job:
    """The admin confirms the uninstall; returns the one job it queued."""
    admin = installed.people.admin
    installation_uninstall(
        installation=installed.installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(account=installed.people.account, user=admin),
        ),
    )
    [job] = jobs_for(INSTALLATION_UNINSTALL, installation_id=installed.pk)
    return job


def _me(raw_token: str):
    return api_client().get(ME, HTTP_AUTHORIZATION=f"Bearer {raw_token}")


def _folder_exists(installed: Installed) -> bool:
    return os.path.isdir(default_storage.path(installed.folder))


def _assert_gone(installed: Installed) -> None:
    assert counts(installed.rows()) == GONE
    assert installed.files_exist() == [False] * FILES
    assert not _folder_exists(installed)


def _assert_intact(installed: Installed, before: dict[str, set[int]]) -> None:
    assert installed.rows() == before
    assert installed.files_exist() == [True] * FILES
    installed.installation.refresh_from_db()
    assert installed.installation.status == InstallationStatus.ACTIVE


def test_the_steps_are_the_documented_ones_in_order():
    assert [step.name for step in UNINSTALL_STEPS] == list(REMOVED_BY)


def test_each_step_removes_its_rows_and_no_other(installed):
    _uninstall(installed)
    expected = dict(EXPECTED_COUNTS, events=EXPECTED_COUNTS["events"] + 1)
    assert counts(installed.rows()) == expected
    assert installed.files_exist() == [True] * FILES
    assert _folder_exists(installed)
    settings_with_files = FILES

    for step in UNINSTALL_STEPS:
        before = installed.rows()
        result = step.run(installed.pk, NO_DEADLINE)
        assert result.complete is True
        # It reports exactly the rows it removed.
        removed = sum(len(before[kind]) - len(installed.rows()[kind]) for kind in before)
        assert result.deleted == removed, step.name
        for kind in REMOVED_BY[step.name]:
            expected[kind] = 0
        if step.name == "files":
            expected["settings"] -= settings_with_files
        after = installed.rows()
        assert counts(after) == expected, step.name
        # What is left is exactly what was there, row for row.
        assert all(after[kind] <= before[kind] for kind in after), step.name
        if step.name == "files":
            assert installed.files_exist() == [False] * FILES
            assert not _folder_exists(installed)
        # A step run again deletes nothing more, and says so.
        again = step.run(installed.pk, NO_DEADLINE)
        assert (again.deleted, again.complete) == (0, True), step.name
        assert installed.rows() == after, step.name

    _assert_gone(installed)


def test_the_uninstall_job_runs_the_cascade_to_the_end(installed):
    job = _uninstall(installed)
    assert (job.state, job.progress_done, job.progress_total) == (Job.State.PENDING, 0, None)
    assert job.account == installed.people.account
    assert job.created_by == installed.people.admin

    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (STEPS, STEPS)
    assert job.message.startswith("Uninstalled:")
    assert job.last_error == ""
    _assert_gone(installed)


def test_tokens_and_embedding_stop_at_once_before_the_job_runs(installed, published):
    admin = installed.people.admin
    admin_ship = Membership.objects.get(user=admin)
    assert [e.installation_id for e in embedding_list_for_member(membership=admin_ship)] == [
        installed.pk
    ]
    for raw in installed.raw_access.values():
        assert _me(raw).status_code == 200
    # The admin's app refreshes its tokens once, as it would every hour.
    renewed = refresh(published.client_id, published.secret, installed.raw_refresh[admin.pk])
    assert renewed.status_code == 200, renewed.content
    installed.raw_access[admin.pk] = renewed.json()["access_token"]
    installed.raw_refresh[admin.pk] = renewed.json()["refresh_token"]
    assert _me(installed.raw_access[admin.pk]).status_code == 200

    job = _uninstall(installed)

    job.refresh_from_db()
    assert job.state == Job.State.PENDING  # nothing ran yet
    assert counts(installed.rows())["access_tokens"] == EXPECTED_COUNTS["access_tokens"]
    for raw in installed.raw_access.values():
        response = _me(raw)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"
        assert "uninstalled" in response.json()["error"]["message"]
    for raw in installed.raw_refresh.values():
        refused = refresh(published.client_id, published.secret, raw)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"
    for user in installed.people.users:
        membership = Membership.objects.get(user=user, account=installed.people.account)
        assert embedding_list_for_member(membership=membership) == []


def test_uninstalling_twice_queues_one_job(installed):
    job = _uninstall(installed)
    with pytest.raises(Conflict) as refused:
        _uninstall(installed)
    assert refused.value.code == "not_active"
    assert jobs_for(INSTALLATION_UNINSTALL, installation_id=installed.pk) == [job]


# --- idempotency -------------------------------------------------------------------------


def test_purge_and_job_run_twice_end_in_the_same_state(installed):
    job = _uninstall(installed)
    assert installation_purge(installation_id=installed.pk) == STEPS
    _assert_gone(installed)
    assert installation_purge(installation_id=installed.pk) == STEPS
    _assert_gone(installed)

    # The job finds the work done and succeeds; a duplicate message then does nothing.
    job = run_job(job)
    assert (job.state, job.progress_done, job.progress_total) == (
        Job.State.SUCCEEDED,
        STEPS,
        STEPS,
    )
    finished_at = job.finished_at
    assert job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.finished_at) == (
        Job.State.SUCCEEDED,
        STEPS,
        finished_at,
    )
    _assert_gone(installed)


def test_purge_from_any_step_after_a_complete_run_deletes_nothing(installed):
    _uninstall(installed)
    assert installation_purge(installation_id=installed.pk) == STEPS
    for start in range(STEPS):
        assert installation_purge(installation_id=installed.pk, start=start) == STEPS
    _assert_gone(installed)


def test_purge_refuses_an_active_installation(installed):
    before = installed.rows()
    with pytest.raises(ValueError, match="not being uninstalled"):
        installation_purge(installation_id=installed.pk)
    _assert_intact(installed, before)


def test_a_failed_uninstall_is_retried_and_completes(installed, monkeypatch):
    """The file storage refuses the second delete (storage is outside the machine): the
    job fails with the reason, after its first steps removed tokens, authorizations and
    one file. The failed chunk records no progress; retried, the job runs those steps
    again (they find nothing left) and ends as a clean run does."""
    job = _uninstall(installed)
    real_delete = FileSystemStorage.delete
    calls: list[str] = []

    def flaky_delete(storage: FileSystemStorage, name: str) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise PermissionError(f"storage refused to delete {name}")
        real_delete(storage, name)

    with monkeypatch.context() as patched:
        patched.setattr(FileSystemStorage, "delete", flaky_delete)
        job = run_job(job)

    assert job.state == Job.State.FAILED
    assert job.last_error.startswith("PermissionError: storage refused to delete")
    assert job.progress_done == 0
    rows = counts(installed.rows())
    assert rows["access_tokens"] == rows["authorizations"] == 0
    # The batch that failed is rolled back: its rows are all there, one file is gone.
    assert rows["settings"] == EXPECTED_COUNTS["settings"]
    assert sorted(installed.files_exist()) == [False, True]

    job_retry(job=job, actor=actor_system(label="tests"))
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.last_error) == (Job.State.PENDING, 0, "")

    job = run_job(job)

    assert (job.state, job.progress_done, job.progress_total) == (
        Job.State.SUCCEEDED,
        STEPS,
        STEPS,
    )
    _assert_gone(installed)
    with pytest.raises(Conflict):
        job_retry(job=job, actor=actor_system(label="tests"))


def _bulk_rows(installed: Installed, extra: int) -> None:
    """``extra`` more access tokens and webhook subscriptions than fit in one batch."""
    installation = installed.installation
    admin = installed.people.admin
    tokens = []
    for n in range(extra):
        token = AccessToken(
            user=admin,
            application=installation.app.oauth_application,
            installation=installation,
            scope="users:read",
            expires=timezone.now() + timedelta(hours=1),
        )
        set_token_value(token, f"bulk-{installation.pk}-{n}")
        tokens.append(token)
    AccessToken.objects.bulk_create(tokens)
    WebhookSubscription.objects.bulk_create(
        WebhookSubscription(
            installation=installation,
            webhook_id=f"bulk-{n}",
            event="users.user.created",
            url="https://invoicer.example.com/hooks/bulk",
        )
        for n in range(extra)
    )


def test_a_job_cut_off_by_its_time_budget_finishes_over_several_chunks(
    installed, published, other_account, settings
):
    extra = batches.BATCH_SIZE + 5
    _bulk_rows(installed, extra)
    rows = counts(installed.rows())
    assert rows["access_tokens"] == EXPECTED_COUNTS["access_tokens"] + extra
    assert rows["webhooks"] == EXPECTED_COUNTS["webhooks"] + extra
    elsewhere = populate(account=other_account, version=published.version)
    elsewhere_before = elsewhere.rows()
    job = _uninstall(installed)

    # No time budget at all: every chunk stops after its first complete step or batch.
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    progress: list[int] = []
    job = run_job(job, after_chunk=lambda j: progress.append(j.progress_done))

    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (STEPS, STEPS)
    assert progress == sorted(progress)
    # One chunk per step, and one more for each step that needed a second batch.
    assert len(progress) == STEPS + 2
    assert progress[0] == 0  # the tokens step stopped after its first batch
    _assert_gone(installed)
    _assert_intact(elsewhere, elsewhere_before)


# --- isolation ---------------------------------------------------------------------------


def test_other_accounts_and_other_apps_keep_every_row(
    installed, published, developer_account, other_account
):
    people = installed.people
    # The same app on another account, and another app on the same account used by the
    # same people (so the same users hold tokens of both apps).
    same_app_elsewhere = populate(account=other_account, version=published.version)
    other = publish_app(account=developer_account, name="Timesheets")
    other_app_here = populate(account=people.account, version=other.version, people=people)
    third_account = AccountFactory()
    other_app_elsewhere = populate(account=third_account, version=other.version)
    kept = [same_app_elsewhere, other_app_here, other_app_elsewhere]
    before = [item.rows() for item in kept]
    assert [counts(rows) for rows in before] == [EXPECTED_COUNTS] * 3

    run_job(_uninstall(installed))

    _assert_gone(installed)
    for item, rows in zip(kept, before, strict=True):
        _assert_intact(item, rows)
        assert _folder_exists(item)
    # The same users' tokens of the other app still work.
    for user in people.users:
        assert _me(other_app_here.raw_access[user.pk]).status_code == 200
    admin_ship = Membership.objects.get(user=people.admin, account=people.account)
    assert {e.installation_id for e in embedding_list_for_member(membership=admin_ship)} == {
        other_app_here.pk
    }
    assert Installation.objects.filter(app=published.app).count() == 1


def test_the_app_can_be_installed_again_after_the_uninstall(installed, published):
    run_job(_uninstall(installed))
    again = populate(
        account=installed.people.account,
        version=published.version,
        people=make_people(account=installed.people.account),
    )
    assert counts(again.rows()) == EXPECTED_COUNTS
    assert again.pk != installed.pk


def test_a_folder_left_by_a_files_step_cut_off_goes_with_the_one_transaction_path(
    installed, monkeypatch
):
    """A worker killed after the files step committed but before it removed the emptied
    folder leaves an installation without setting files: a small one, which the next
    run deletes in one transaction. That path removes the folder too, so nothing is left
    in storage."""
    from apps.installations import deletion

    job = _uninstall(installed)
    with monkeypatch.context() as killed:
        killed.setattr(deletion, "storage_folder_remove", lambda path: None)
        files_step = next(step for step in UNINSTALL_STEPS if step.name == "files")
        assert files_step.run(installed.pk, NO_DEADLINE).complete
    assert installed.files_exist() == [False] * FILES
    assert _folder_exists(installed)

    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    _assert_gone(installed)
