"""Rows and requests that race a cascade: a row that arrives after its own step ran, a
consent or an install that read the app or installation just before the change.

Transactional: the deferred foreign-key checks these rely on fire only at a real COMMIT.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.models import AppVersion
from apps.catalog.services import app_delete
from apps.core.errors import Conflict
from apps.installations.models import (
    Installation,
    InstallationStatus,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.services import (
    installation_install,
    installation_uninstall,
    user_authorization_record,
)
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL
from apps.jobs.models import Job
from apps.lifecycle.services import batches
from apps.lifecycle.services.locks import purge_turn
from apps.lifecycle.services.whole import installation_delete_whole
from tests.apps.lifecycle.conftest import (
    USER_SCOPES,
    Installed,
    jobs_for,
    make_people,
    populate,
    run_job,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _make_large(installed: Installed) -> None:
    """More webhook subscriptions than one batch, so the cascade goes step by step."""
    WebhookSubscription.objects.bulk_create(
        WebhookSubscription(
            installation=installed.installation,
            webhook_id=f"bulk-{n}",
            event="users.user.created",
            url="https://invoicer.example.com/hooks/bulk",
        )
        for n in range(batches.BATCH_SIZE + 5)
    )


def _late_authorization(installed: Installed, *, after_step: int, step_of):
    """After the cascade passed its "authorizations" step, a user's authorization row
    appears again (as a request that read the installation before the uninstall would
    write it)."""
    done = {"yes": False}

    def after_chunk(job: Job) -> None:
        if not done["yes"] and step_of(job) >= after_step:
            done["yes"] = True
            user = installed.people.users[1]
            UserAuthorization.objects.update_or_create(
                installation=installed.installation, user=user, defaults={"scopes": USER_SCOPES}
            )

    return after_chunk


def test_an_uninstall_finishes_rows_that_arrived_after_their_step(installed, admin, settings):
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    _make_large(installed)
    installation_uninstall(
        installation=installed.installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(account=installed.installation.account, user=admin),
        ),
    )
    (job,) = jobs_for(INSTALLATION_UNINSTALL, installation_id=installed.pk)

    job = run_job(
        job,
        after_chunk=_late_authorization(installed, after_step=2, step_of=lambda j: j.progress_done),
    )

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert not Installation.objects.filter(pk=installed.pk).exists()
    assert not UserAuthorization.objects.filter(installation_id=installed.pk).exists()


def test_an_app_deletion_finishes_rows_that_arrived_after_their_step(
    published, account, admin, settings
):
    settings.LIFECYCLE_CHUNK_SECONDS = 0
    installed = populate(
        account=account, version=published.version, people=make_people(account=account, admin=admin)
    )
    _make_large(installed)
    app_delete(app=published.app)
    (job,) = jobs_for(APP_DELETE, app_id=published.app.pk)

    job = run_job(
        job,
        after_chunk=_late_authorization(
            installed, after_step=2, step_of=lambda j: int(j.payload.get("step", 0))
        ),
    )

    assert (job.state, job.last_error) == (Job.State.SUCCEEDED, "")
    assert not Installation.objects.filter(pk=installed.pk).exists()
    assert not UserAuthorization.objects.filter(installation_id=installed.pk).exists()


def test_a_consent_to_an_installation_being_uninstalled_is_refused(installed, admin):
    installation_uninstall(
        installation=installed.installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(account=installed.installation.account, user=admin),
        ),
    )
    user = installed.people.users[1]
    before = list(UserAuthorization.objects.filter(installation=installed.installation).values())

    with pytest.raises(Conflict) as refused:
        user_authorization_record(
            installation=installed.installation,
            user=user,
            scopes=USER_SCOPES,
            actor=actor_for_user(user=user),
        )

    assert refused.value.code == "not_active"
    assert (
        list(UserAuthorization.objects.filter(installation=installed.installation).values())
        == before
    )


def test_an_install_that_read_the_app_before_its_deletion_is_refused(published, account, admin):
    """The install request read the app while it was active; the developer deleted it
    meanwhile. The install locks the app's row and reads its status again: refused,
    nothing written."""
    stale_version = AppVersion.objects.select_related("app").get(pk=published.version.pk)
    assert stale_version.app.status == "active"
    app_delete(app=published.app)

    with pytest.raises(Conflict) as refused:
        installation_install(
            account=account,
            version=stale_version,
            actor=actor_for_user(
                user=admin, membership=Membership.objects.get(account=account, user=admin)
            ),
        )

    assert refused.value.code == "app_inactive"
    assert not Installation.objects.filter(account=account, app=published.app).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="advisory locks are PostgreSQL's; SQLite runs one writer",
)
def test_the_one_statement_path_gives_way_to_a_step_by_step_purge(installed, admin):
    """While a step-by-step purge of the installation runs on another connection (it
    holds the installation's advisory lock), the one-statement delete deletes nothing and
    says so; once that purge is done, it goes through."""
    installation_uninstall(
        installation=installed.installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(account=installed.installation.account, user=admin),
        ),
    )
    for setting in SettingValue.objects.filter(installation=installed.installation):
        setting.file.delete(save=True)  # files would send it through the steps anyway
    held, release = threading.Event(), threading.Event()

    def other_purge() -> None:
        try:
            with purge_turn(installed.pk):
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    thread = threading.Thread(target=other_purge)
    thread.start()
    try:
        assert held.wait(timeout=30)
        assert not installation_delete_whole(
            installation_id=installed.pk, statuses=(InstallationStatus.UNINSTALLING,)
        )
        assert Installation.objects.filter(pk=installed.pk).exists()
    finally:
        release.set()
        thread.join(timeout=60)

    assert installation_delete_whole(
        installation_id=installed.pk, statuses=(InstallationStatus.UNINSTALLING,)
    )
    assert not Installation.objects.filter(pk=installed.pk).exists()
    assert not SettingValue.objects.filter(installation_id=installed.pk).exists()
