"""Deleting an app: the job removes it from every account, one account at a time, then
removes the app with everything it owns; the developer's account, other apps and other
accounts keep every row; it runs twice, can be retried after a failure, and works in
chunks cut by a tiny time budget."""

import os
from dataclasses import dataclass

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils import timezone

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Account, Membership, User
from apps.catalog.models import App, AppBanner, AppStatus
from apps.catalog.services import app_banner_add, app_delete, app_logo_set
from apps.core.errors import Conflict
from apps.installations.models import Installation, InstallationStatus, SettingValue
from apps.installations.services import installation_uninstall
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.jobs.services import job_retry, job_run
from apps.lifecycle import jobs as lifecycle_jobs
from apps.lifecycle.services.cascade import UNINSTALL_STEPS, app_remove
from apps.moderation.models import Review
from apps.oauth.models import AccessToken
from tests.apps.lifecycle.conftest import (
    EXPECTED_COUNTS,
    FILES,
    Installed,
    Published,
    app_rows,
    counts,
    jobs_for,
    make_people,
    populate,
    publish_app,
    refreshed_tokens,
    run_job,
)
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.catalog import (
    banner_file,
    logo_file,
    make_app,
    make_install_link,
    make_version,
)
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db

ACCOUNTS = 4
GONE = dict.fromkeys(EXPECTED_COUNTS, 0)


@dataclass
class Listing:
    """The deleted app as its developer built it, and what else lives next to it."""

    app: App
    application_id: int
    developer: User
    installs: list[Installed]  # in id order; the last one was already being uninstalled
    listing_files: list[str]
    other: Published  # another app of the same developer, on the same accounts
    other_installs: list[Installed]
    bystander: Installed  # the other app on an account that never installed this one

    @property
    def rows(self) -> dict[str, set[int]]:
        return app_rows(self.app.pk, self.application_id)


def _listing(developer_account: Account) -> Listing:
    developer = MembershipFactory(account=developer_account, is_developer=True).user
    published = publish_app(account=developer_account)
    app = published.app
    app_logo_set(app=app, upload=logo_file())
    app_banner_add(app=app, upload=banner_file())
    app_banner_add(app=app, upload=banner_file())
    app.refresh_from_db()
    newer = make_version(app=app, number="1.1.0", status="in_review")
    moderator = MembershipFactory(account=AccountFactory()).user
    Review.objects.create(
        version=newer, moderator=moderator, moderator_label="Mo", claimed_at=timezone.now()
    )
    make_install_link(version=published.version)
    # Tokens the developer holds without any installation (a test login, say).
    refreshed_tokens(installation=None, user=developer, application=app.oauth_application)

    other = publish_app(account=developer_account, name="Timesheets")
    installs, other_installs = [], []
    for _ in range(ACCOUNTS):
        account = AccountFactory()
        people = make_people(account=account)
        installs.append(populate(account=account, version=published.version, people=people))
        other_installs.append(populate(account=account, version=other.version, people=people))
    # The last account's admin already asked for the uninstall: its job is still pending.
    last = installs[-1]
    installation_uninstall(
        installation=last.installation,
        actor=actor_for_user(
            user=last.people.admin, membership=Membership.objects.get(user=last.people.admin)
        ),
    )
    bystander = populate(account=AccountFactory(), version=other.version)
    listing_files = [
        app.logo.name,
        *AppBanner.objects.filter(app=app).values_list("image", flat=True),
    ]
    return Listing(
        app=app,
        application_id=app.oauth_application_id,
        developer=developer,
        installs=installs,
        listing_files=listing_files,
        other=other,
        other_installs=other_installs,
        bystander=bystander,
    )


@pytest.fixture
def listing(developer_account) -> Listing:
    return _listing(developer_account)


def _exists(names: list[str]) -> list[bool]:
    return [default_storage.exists(name) for name in names]


def _installation_state(installed: Installed) -> str:
    """``whole`` (every row still there), ``gone`` (nothing left) or ``partial``."""
    rows = counts(installed.rows())
    if rows == GONE and installed.files_exist() == [False] * FILES:
        return "gone"
    expected_events = EXPECTED_COUNTS["events"]
    if rows in (EXPECTED_COUNTS, dict(EXPECTED_COUNTS, events=expected_events + 1)):
        return "whole" if installed.files_exist() == [True] * FILES else "partial"
    return "partial"


def _start(listing: Listing) -> Job:
    app_delete(app=listing.app, actor=actor_for_user(user=listing.developer))
    [job] = jobs_for(APP_DELETE, app_id=listing.app.pk)
    return job


def _assert_app_gone(listing: Listing) -> None:
    assert counts(listing.rows) == dict.fromkeys(listing.rows, 0)
    assert _exists(listing.listing_files) == [False] * len(listing.listing_files)
    assert not os.path.isdir(default_storage.path(f"listing/{listing.app.code}"))
    for installed in listing.installs:
        assert counts(installed.rows()) == GONE
        assert installed.files_exist() == [False] * FILES


def _snapshot_others(listing: Listing) -> list[dict[str, set[int]]]:
    return [item.rows() for item in [*listing.other_installs, listing.bystander]]


def _assert_others_intact(listing: Listing, before: list[dict[str, set[int]]]) -> None:
    for item, rows in zip([*listing.other_installs, listing.bystander], before, strict=True):
        assert item.rows() == rows
        assert item.files_exist() == [True] * FILES
    other = listing.other.app
    assert App.objects.get(pk=other.pk).status == AppStatus.ACTIVE
    assert counts(app_rows(other.pk, other.oauth_application_id)) == {
        "app": 1,
        "application": 1,
        "versions": 1,
        "version_events": 5,  # created, submitted, in review, approved, published
        "reviews": 0,
        "install_links": 0,
        "banners": 0,
        "grants": 3 * (ACCOUNTS + 1),
        "refresh_tokens": 6 * (ACCOUNTS + 1),
        "access_tokens": 3 * (ACCOUNTS + 1),
    }


def test_the_setup_holds_every_kind_of_row(listing):
    assert counts(listing.rows) == {
        "app": 1,
        "application": 1,
        "versions": 2,
        "version_events": 5 + 3,  # created, then each status change
        "reviews": 1,
        "install_links": 1,
        "banners": 2,
        # per account 3 users, plus the developer's tokens without installation
        "grants": 3 * ACCOUNTS + 1,
        "refresh_tokens": 6 * ACCOUNTS + 2,
        "access_tokens": 3 * ACCOUNTS + 1,
    }
    assert (
        AccessToken.objects.filter(
            application_id=listing.application_id, installation__isnull=True
        ).count()
        == 1
    )
    assert _exists(listing.listing_files) == [True, True, True]
    assert [_installation_state(item) for item in listing.installs] == ["whole"] * ACCOUNTS
    assert [item.installation.status for item in listing.installs] == [
        *[InstallationStatus.ACTIVE] * (ACCOUNTS - 1),
        InstallationStatus.UNINSTALLING,
    ]


def test_the_job_removes_the_app_from_every_account_then_the_app(listing, developer_account):
    others = _snapshot_others(listing)
    job = _start(listing)
    assert (job.state, job.account, job.created_by, job.target) == (
        Job.State.PENDING,
        developer_account,
        listing.developer,
        "Invoicer",
    )

    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (ACCOUNTS, ACCOUNTS)
    assert job.message == (
        f"Deleted: removed from {ACCOUNTS} accounts, then the app's tokens, OAuth client, "
        "versions, install links and listing files."
    )
    _assert_app_gone(listing)
    _assert_others_intact(listing, others)
    assert Account.objects.filter(pk=developer_account.pk).exists()
    assert Membership.objects.filter(user=listing.developer, account=developer_account).exists()
    # Every account that installed it is still there, with its people.
    for installed in listing.installs:
        assert Membership.objects.filter(account=installed.people.account).count() == 3

    # The uninstall queued before the deletion finds nothing left and succeeds.
    [uninstall] = jobs_for(INSTALLATION_UNINSTALL, installation_id=listing.installs[-1].pk)
    uninstall = run_job(uninstall)
    assert (uninstall.state, uninstall.progress_done) == (Job.State.SUCCEEDED, len(UNINSTALL_STEPS))


def test_deleting_twice_queues_one_job_and_the_job_runs_twice(listing):
    job = _start(listing)
    app_delete(app=listing.app, actor=actor_for_user(user=listing.developer))
    assert jobs_for(APP_DELETE, app_id=listing.app.pk) == [job]

    job = run_job(job)
    assert job_run(job_id=job.pk) == "skipped"
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.progress_total) == (
        Job.State.SUCCEEDED,
        ACCOUNTS,
        ACCOUNTS,
    )
    # The end step, run again on a gone app, has nothing to do.
    assert app_remove(app_id=listing.app.pk) is True
    _assert_app_gone(listing)


def test_one_account_at_a_time_in_chunks_with_no_time_budget(listing, settings):
    """Without any time budget each chunk does one step of one account (these hold
    setting files, so they go step by step) or one batch of the end: after every chunk
    at most one installation is partly deleted, the others are whole or gone, and
    progress counts the accounts done."""
    others = _snapshot_others(listing)
    job = _start(listing)
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    seen: list[tuple[int, int | None, str, list[str]]] = []

    def check(job: Job) -> None:
        states = [_installation_state(item) for item in listing.installs]
        assert states.count("partial") <= 1, states
        # Accounts go in id order: gone ones first, then at most one partial, then whole.
        assert states == sorted(states, key=["gone", "partial", "whole"].index), states
        seen.append((job.progress_done, job.progress_total, job.message, states))

    job = run_job(job, after_chunk=check)

    assert job.state == Job.State.SUCCEEDED
    progress = [done for done, *_ in seen]
    assert progress == sorted(progress)
    assert {total for _, total, *_ in seen} == {ACCOUNTS}
    for done, _, message, states in seen[:-1]:
        assert states.count("gone") == done
        if done < ACCOUNTS:
            assert message == f"Removed from {done} of {ACCOUNTS} accounts."
    # One chunk per step of every account, then the end.
    assert len(seen) >= ACCOUNTS * len(UNINSTALL_STEPS)
    _assert_app_gone(listing)
    _assert_others_intact(listing, others)


@pytest.mark.parametrize(
    ("together", "expected"),
    [
        (25, [[True, True, True], [False, False, False]]),
        (2, [[True, True, True], [False, False, True], [False, False, False]]),
        (1, [[True, True, True], [False, True, True], [False, False, True], [False] * 3]),
    ],
)
def test_small_accounts_go_whole_a_run_per_chunk(
    developer_account, settings, monkeypatch, together, expected
):
    """Accounts whose installation is small and holds no setting file go in one short
    transaction, up to ``WHOLE_TOGETHER`` of them side by side together: with no time
    budget, every chunk removes the next run of accounts whole, in id order, and nothing
    is ever partly deleted."""
    monkeypatch.setattr(lifecycle_jobs, "WHOLE_TOGETHER", together)
    app = make_app(account=developer_account, name="Small one")
    version = make_version(app=app, status="published")
    installs = []
    for n in range(3):
        account = AccountFactory(slug=f"small-{n}")
        admin = MembershipFactory(account=account, is_admin=True).user
        installation = make_installation(account=account, version=version, by_user=admin)
        issue_token(installation=installation, user=admin)
        SettingValue.objects.create(installation=installation, key="company_name", value="X")
        installs.append(installation.pk)
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    app_delete(app=app, actor=actor_system(label="developer"))
    [job] = jobs_for(APP_DELETE, app_id=app.pk)
    seen: list[list[bool]] = []

    def check(job: Job) -> None:
        alive = [Installation.objects.filter(pk=pk).exists() for pk in installs]
        owned = [SettingValue.objects.filter(installation_id=pk).exists() for pk in installs]
        assert alive == owned  # whole or gone, never partly
        seen.append(alive)

    job = run_job(job, after_chunk=check)

    assert job.state == Job.State.SUCCEEDED
    assert seen[: len(expected)] == expected
    assert not AccessToken.objects.filter(application_id=app.oauth_application_id).exists()
    assert not App.objects.filter(pk=app.pk).exists()


def test_a_failed_deletion_is_retried_and_completes(listing, monkeypatch):
    """The file storage refuses to delete the logo (storage is outside the machine): the
    job fails with the reason once every account is done; retried, it completes."""
    others = _snapshot_others(listing)
    job = _start(listing)
    logo = listing.app.logo.name
    real_delete = FileSystemStorage.delete

    def refuse_logo(storage: FileSystemStorage, name: str) -> None:
        if name == logo:
            raise PermissionError(f"storage refused to delete {name}")
        real_delete(storage, name)

    with monkeypatch.context() as patched:
        patched.setattr(FileSystemStorage, "delete", refuse_logo)
        job = run_job(job)

    assert job.state == Job.State.FAILED
    assert job.last_error == f"PermissionError: storage refused to delete {logo}"
    assert Installation.objects.filter(app=listing.app).count() == 0
    assert App.objects.filter(pk=listing.app.pk).exists()
    assert _exists([logo]) == [True]

    job_retry(job=job, actor=actor_system(label="tests"))
    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (ACCOUNTS, ACCOUNTS)
    _assert_app_gone(listing)
    _assert_others_intact(listing, others)
    with pytest.raises(Conflict):
        job_retry(job=job, actor=actor_system(label="tests"))


def test_app_remove_refuses_an_app_not_being_deleted_or_still_installed(listing):
    before = listing.rows
    with pytest.raises(ValueError, match="not being deleted"):
        app_remove(app_id=listing.app.pk)
    app_delete(app=listing.app, actor=actor_for_user(user=listing.developer))
    with pytest.raises(ValueError, match="still has installations"):
        app_remove(app_id=listing.app.pk)
    assert listing.rows == before
    assert _exists(listing.listing_files) == [True, True, True]
