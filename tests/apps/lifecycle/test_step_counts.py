"""The rows each step of a cascade removed, as the job records them for its page: real
counts from the delete statements, step by step or in one transaction, added up over
chunks cut by the time budget, with DEBUG on (make run) and off."""

import pytest
from django.utils import timezone

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.models import App
from apps.catalog.services import app_banner_add, app_delete, app_logo_set
from apps.installations.models import Installation, SettingValue
from apps.installations.services import installation_uninstall
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.lifecycle.services import batches
from apps.lifecycle.services.cascade import APP_REMOVE_STEPS, UNINSTALL_STEPS
from apps.moderation.models import Review
from apps.oauth.models import AccessToken, Grant, RefreshToken
from tests.apps.lifecycle.conftest import (
    FILES,
    Installed,
    app_rows,
    counts,
    installation_rows,
    jobs_for,
    make_people,
    populate,
    publish_app,
    refreshed_tokens,
    run_job,
)
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.catalog import banner_file, logo_file, make_install_link, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def per_step(rows: dict[str, int], *, files: int) -> dict[str, int]:
    """What each step of ``UNINSTALL_STEPS`` must report for an installation holding
    ``rows`` (counts by kind) of which ``files`` setting rows hold a file."""
    return {
        "tokens": rows["grants"] + rows["refresh_tokens"] + rows["access_tokens"],
        "authorizations": rows["authorizations"],
        "files": files,
        "settings": rows["settings"] - files + rows.get("connection", 0),
        "webhooks": rows["webhooks"],
        "access": rows["access"],
        "installation": rows["events"] + rows["installation"],
    }


def _uninstall(installation: Installation, admin) -> Job:
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=installation.account, user=admin)
        ),
    )
    [job] = jobs_for(INSTALLATION_UNINSTALL, installation_id=installation.pk)
    return job


def _small(version, slug: str) -> tuple[Installation, object]:
    account = AccountFactory(slug=slug)
    admin = MembershipFactory(account=account, is_admin=True).user
    installation = make_installation(account=account, version=version, by_user=admin)
    issue_token(installation=installation, user=admin)
    SettingValue.objects.create(installation=installation, key="company_name", value="Acme")
    return installation, admin


def test_an_uninstall_step_by_step_records_the_rows_of_each_step(installed: Installed):
    job = _uninstall(installed.installation, installed.people.admin)
    expected = per_step(counts(installed.rows()), files=FILES)
    assert all(expected.values())  # every step has rows to remove

    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    assert job.payload["counts"] == expected
    assert job.payload["installation_id"] == installed.pk


def test_counts_add_up_over_chunks_cut_by_the_time_budget(installed: Installed, settings):
    extra = batches.BATCH_SIZE + 5
    issue_token(installation=installed.installation, user=installed.people.admin)
    for _ in range(extra):
        issue_token(installation=installed.installation, user=installed.people.admin)
    job = _uninstall(installed.installation, installed.people.admin)
    expected = per_step(counts(installed.rows()), files=FILES)
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    seen: list[tuple[int, dict[str, int]]] = []

    job = run_job(job, after_chunk=lambda j: seen.append((j.progress_done, j.payload["counts"])))

    assert job.payload["counts"] == expected
    # The tokens step needed more than one chunk: its count grew as it ran.
    assert seen[0][0] == 0
    assert 0 < seen[0][1]["tokens"] < expected["tokens"]
    # A step counted as done keeps its final count in every later chunk.
    for done, recorded in seen:
        for step in UNINSTALL_STEPS[:done]:
            assert recorded[step.name] == expected[step.name], (done, step.name)


def test_a_small_uninstall_in_one_transaction_records_the_same_steps(debug, developer_account):
    app = publish_app(account=developer_account).app
    installation, admin = _small(app.versions.get(), "small")
    job = _uninstall(installation, admin)
    expected = per_step(counts(installation_rows(installation.pk)), files=0)

    job = run_job(job)

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert job.payload["counts"] == expected
    assert expected["tokens"] >= 1 and expected["settings"] == 1


def test_an_app_deletion_records_the_last_account_and_the_app_steps(debug, developer_account):
    developer = MembershipFactory(account=developer_account, is_developer=True).user
    published = publish_app(account=developer_account)
    app = published.app
    app_logo_set(app=app, upload=logo_file())
    app_banner_add(app=app, upload=banner_file())
    app.refresh_from_db()
    newer = make_version(app=app, number="1.1.0", status="in_review")
    Review.objects.create(
        version=newer,
        moderator=MembershipFactory(account=AccountFactory()).user,
        moderator_label="Mo",
        claimed_at=timezone.now(),
    )
    make_install_link(version=published.version)
    refreshed_tokens(installation=None, user=developer, application=app.oauth_application)
    _small(published.version, "small-first")
    # The last account holds setting files: it goes step by step.
    account = AccountFactory(slug="large-last")
    last = populate(account=account, version=published.version, people=make_people(account=account))
    expected_last = per_step(counts(last.rows()), files=FILES)
    # Going step by step, it is first moved to "uninstalling", which its history records.
    expected_last["installation"] += 1
    rows = counts(app_rows(app.pk, app.oauth_application_id))
    unbound = {"application_id": app.oauth_application_id, "installation_id": None}
    own_tokens = sum(
        model.objects.filter(**unbound).count() for model in (Grant, RefreshToken, AccessToken)
    )

    app_delete(app=app, actor=actor_for_user(user=developer))
    [job] = jobs_for(APP_DELETE, app_id=app.pk)
    job = run_job(job)

    assert (job.state, job.progress_done, job.progress_total) == (Job.State.SUCCEEDED, 2, 2)
    assert job.payload["installation_id"] == last.pk
    assert job.payload["step"] == len(UNINSTALL_STEPS)
    assert job.payload["counts"] == expected_last
    assert job.payload["app_counts"] == {
        # The developer's own tokens: no installation held them.
        "tokens": own_tokens,
        "files": 2,  # the logo and the banner
        "install_links": rows["install_links"],
        "versions": rows["versions"] + rows["version_events"] + rows["reviews"],
        "app": rows["app"] + rows["banners"],
        "client": 1,
    }
    assert set(job.payload["app_counts"]) == {name for name, _ in APP_REMOVE_STEPS}
    assert own_tokens > 0
    assert not App.objects.filter(pk=app.pk).exists()
