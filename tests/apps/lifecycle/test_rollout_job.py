"""The ``lifecycle.version_rollout`` job that publishing queues: over a mix of
installations it updates those whose grant covers the new version, asks the others'
admins for approval, skips pinned, newer and uninstalling ones and never touches another
app's; its progress and message count them; running it again changes nothing."""

import pytest
from django.db import transaction

from apps.accounts.models import Membership
from apps.catalog.models import VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import app_delete, version_transition
from apps.installations.models import Installation, InstallationEvent, InstallationStatus
from apps.installations.services import installation_pin, installation_uninstall
from apps.jobs.kinds import VERSION_ROLLOUT
from apps.jobs.models import Job
from apps.jobs.services import job_create, job_run
from apps.lifecycle.services.rollout import version_rollout_run
from tests.factories import AccountFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import by, make_app, make_version
from tests.factories.installations import make_installation
from tests.worker import wait_for

BASE_SCOPES = [
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
]
WITH_USERS = [*BASE_SCOPES, {"code": "users", "level": "read", "reason": "Lists colleagues."}]
HOOK = {
    "id": "invoice-updated",
    "event": "fin.invoices.updated",
    "url": "https://invoicer.example.com/hooks/invoices",
}
MOVED_HOOK = {**HOOK, "url": "https://invoicer.example.com/hooks/v120"}


def run_to_end(job: Job) -> Job:
    for _ in range(100):
        if job_run(job_id=job.pk) in ("succeeded", "failed"):
            break
    job.refresh_from_db()
    return job


def rollout_jobs(version) -> list[Job]:
    return list(Job.objects.filter(kind=VERSION_ROLLOUT, payload__version_id=version.pk))


def _api_key(installation: Installation) -> Membership:
    return Membership(account=installation.account, user=None, is_admin=True)


def everything(*installations: Installation) -> dict:
    """Every row the rollout may write, for the given installations."""
    state = {}
    for installation in installations:
        installation.refresh_from_db()
        state[installation.pk] = (
            installation.version_id,
            installation.pending_version_id,
            installation.status,
            installation.pinned_at,
            list(installation.granted_scopes),
            installation.scopes_revision,
            installation.updated_at,
            list(installation.events.values_list("pk", "kind", "detail")),
            list(installation.webhook_subscriptions.values_list("pk", "url", "updated_at")),
        )
    return state


def build_mix() -> dict:
    """Installations of Invoicer on 1.0.0 (base scopes), 1.1.0 (+ users:read) and 1.3.0,
    one of them pinned, one uninstalling; a neighbour app on the same accounts; then 1.2.0
    (as 1.1.0, webhook moved), approved before 1.3.0 existed, is published."""
    vendor = AccountFactory(slug="devstudio", name="Dev Studio")
    app = make_app(account=vendor, name="Invoicer")
    v100 = make_version(app=app, number="1.0.0", status="published", scopes=BASE_SCOPES)
    v110 = make_version(app=app, number="1.1.0", status="published", scopes=WITH_USERS)
    v120 = make_version(
        app=app, number="1.2.0", status="approved", scopes=WITH_USERS, webhooks=[MOVED_HOOK]
    )
    v130 = make_version(app=app, number="1.3.0", status="published", scopes=WITH_USERS)
    neighbour = make_version(
        app=make_app(account=vendor, name="Timesheets"), number="1.0.0", status="published"
    )

    def installed(slug, version):
        return make_installation(
            account=AccountFactory(slug=slug, name=slug.title()), version=version
        )

    mix = {
        "behind_1": installed("behind1", v100),
        "covered_1": installed("covered1", v110),
        "behind_2": installed("behind2", v100),
        "covered_2": installed("covered2", v110),
        "pinned": installed("pinned", v110),
        "ahead": installed("ahead", v130),
        "leaving": installed("leaving", v110),
    }
    mix["neighbour"] = make_installation(account=mix["covered_1"].account, version=neighbour)
    installation_pin(
        installation=mix["pinned"], pinned=True, actor=acting_as(by(), _api_key(mix["pinned"]))
    )
    installation_uninstall(
        installation=mix["leaving"], actor=acting_as(by(), _api_key(mix["leaving"]))
    )
    version_transition(
        version=v120, target=VersionStatus.PUBLISHED, party=Party.DEVELOPER, actor=by()
    )
    v120.refresh_from_db()
    return {"installations": mix, "v100": v100, "v110": v110, "v120": v120, "v130": v130}


@pytest.mark.django_db
def test_publishing_queues_one_rollout_that_sorts_the_mix():
    built = build_mix()
    mix, v120 = built["installations"], built["v120"]
    untouched = ("pinned", "ahead", "leaving", "neighbour")
    before = everything(*(mix[name] for name in untouched))
    [job] = rollout_jobs(v120)
    assert (job.state, job.target, job.account) == (
        Job.State.PENDING,
        "Invoicer 1.2.0",
        v120.app.account,
    )

    job = run_to_end(job)

    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (6, 6)
    assert job.message == (
        "6 of 6 installations: 2 updated, 2 need an admin's approval, "
        "1 pinned to their version, 1 already on a newer version or uninstalled."
    )
    assert job.payload["counts"] == {"updated": 2, "needs_approval": 2, "pinned": 1, "skipped": 1}
    for name in ("covered_1", "covered_2"):
        installation = mix[name]
        installation.refresh_from_db()
        assert (installation.version, installation.pending_version) == (v120, None)
        event = installation.events.get(kind=InstallationEvent.Kind.UPDATED)
        assert (event.actor_label, event.detail["automatic"]) == ("Automatic update", True)
        assert list(installation.webhook_subscriptions.values_list("url", flat=True)) == [
            MOVED_HOOK["url"]
        ]
    for name in ("behind_1", "behind_2"):
        installation = mix[name]
        installation.refresh_from_db()
        assert (installation.version, installation.pending_version) == (built["v100"], v120)
        [event] = installation.events.filter(kind=InstallationEvent.Kind.UPDATE_NEEDS_APPROVAL)
        assert event.detail == {"to": "1.2.0", "new_scopes": ["users:read"]}
        assert list(installation.webhook_subscriptions.values_list("url", flat=True)) == [
            HOOK["url"]
        ]
    assert everything(*(mix[name] for name in untouched)) == before
    assert mix["leaving"].status == InstallationStatus.UNINSTALLING


@pytest.mark.django_db
def test_running_the_rollout_again_gives_the_same_end_state():
    built = build_mix()
    mix, v120 = built["installations"], built["v120"]
    [job] = rollout_jobs(v120)
    run_to_end(job)
    after = everything(*mix.values())

    assert job_run(job_id=job.pk) == "skipped"
    with transaction.atomic():
        again = job_create(kind=VERSION_ROLLOUT, payload={"version_id": v120.pk})
    again = run_to_end(again)
    progress = version_rollout_run(version=v120, cursor=0, counts={})

    assert again.state == Job.State.SUCCEEDED
    assert again.message == (
        "4 of 4 installations: 0 updated, 2 need an admin's approval, "
        "1 pinned to their version, 1 already on a newer version or uninstalled."
    )
    assert progress.finished
    assert everything(*mix.values()) == after


@pytest.mark.django_db
def test_a_rollout_in_several_chunks_ends_the_same(settings):
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    built = build_mix()
    mix, v120 = built["installations"], built["v120"]
    [job] = rollout_jobs(v120)
    seen = []

    for _ in range(100):
        outcome = job_run(job_id=job.pk)
        job.refresh_from_db()
        seen.append(job.progress_done)
        if outcome in ("succeeded", "failed"):
            break

    assert job.state == Job.State.SUCCEEDED
    assert len(seen) > 1
    assert seen == sorted(seen)
    assert job.payload["counts"] == {"updated": 2, "needs_approval": 2, "pinned": 1, "skipped": 1}
    assert [
        Installation.objects.get(pk=mix[n].pk).version_id for n in ("covered_1", "covered_2")
    ] == [v120.pk, v120.pk]


@pytest.mark.django_db
def test_publishing_without_installations_on_other_versions_queues_nothing():
    app = make_app(account=AccountFactory(slug="devstudio", name="Dev Studio"))
    v100 = make_version(app=app, number="1.0.0", status="published")
    v110 = make_version(app=app, number="1.1.0", status="published")

    assert rollout_jobs(v100) == rollout_jobs(v110) == []


@pytest.mark.django_db
def test_a_rollout_of_an_app_being_deleted_stops():
    built = build_mix()
    v120 = built["v120"]
    [job] = rollout_jobs(v120)
    before = everything(*built["installations"].values())
    app_delete(app=v120.app, actor=by())

    job = run_to_end(job)

    assert job.state == Job.State.SUCCEEDED
    assert job.message == "Stopped: the version or its app is being deleted."
    assert everything(*built["installations"].values()) == before


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_rollout_runs_on_a_real_worker(celery_processes):
    app = make_app(account=AccountFactory(slug="devstudio", name="Dev Studio"))
    v100 = make_version(app=app, number="1.0.0", status="published", scopes=BASE_SCOPES)
    v110 = make_version(app=app, number="1.1.0", status="published", scopes=WITH_USERS)
    covered = make_installation(account=AccountFactory(slug="covered"), version=v110)
    behind = make_installation(account=AccountFactory(slug="behind"), version=v100)
    celery_processes("worker")

    v120 = make_version(
        app=app, number="1.2.0", status="published", scopes=WITH_USERS, webhooks=[MOVED_HOOK]
    )

    [job] = rollout_jobs(v120)
    done = wait_for(
        lambda: Job.objects.filter(pk=job.pk, state__in=["succeeded", "failed"]).first(),
        timeout=60,
        what="the rollout to finish",
    )
    assert done.state == Job.State.SUCCEEDED, done.last_error
    assert (done.progress_done, done.progress_total) == (2, 2)
    covered.refresh_from_db()
    behind.refresh_from_db()
    assert (covered.version, covered.pending_version) == (v120, None)
    assert (behind.version, behind.pending_version) == (v100, v120)
