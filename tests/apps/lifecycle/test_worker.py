"""Lifecycle jobs through real Celery processes.

An app deletion over 200 accounts survives a worker killed with SIGKILL in the middle of
it and leaves not one row or file of the app behind; an uninstall and a version rollout
run to their end on a worker; beat runs the periodic token purge.
"""

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import set_token_value

from apps.accounts.models import Account, Membership, Role, User
from apps.catalog.models import App, AppVersion, InstallLink
from apps.catalog.services import app_delete, version_publish
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.services import (
    installation_access_set,
    installation_pin,
    installation_settings_save,
    installation_uninstall,
)
from apps.jobs.kinds import APP_DELETE, INSTALLATION_UNINSTALL, VERSION_ROLLOUT
from apps.jobs.models import Heartbeat, Job
from apps.jobs.services import jobs_sweep
from apps.lifecycle.services.cascade import UNINSTALL_STEPS
from apps.lifecycle.services.purge import PURGE_HEARTBEAT
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken
from apps.scopes.policies import effective_scopes
from tests.factories import AccountFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import by, make_app, make_install_link, make_version
from tests.factories.installations import issue_token, make_installation
from tests.worker import purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ACCOUNTS = 200
USERS_PER_ACCOUNT = 3
# A short chunk budget, so the deletion of 200 accounts takes many chunks (and messages)
# and the worker can be killed in the middle of it.
SHORT_CHUNKS = {"LIFECYCLE_CHUNK_SECONDS": "0.2"}

HOOKS = [
    {
        "id": "invoice-created",
        "event": "fin.invoices.created",
        "url": "https://invoicer.example.com/hooks/created",
    },
    {
        "id": "invoice-updated",
        "event": "fin.invoices.updated",
        "url": "https://invoicer.example.com/hooks/updated",
    },
    {
        "id": "invoice-deleted",
        "event": "fin.invoices.deleted",
        "url": "https://invoicer.example.com/hooks/deleted",
    },
]
SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "contract", "level": "app", "type": "file", "label": "Contract"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
]
PDF = b"%PDF-1.4\n% a contract\n"


def _job(kind: str) -> Job:
    return Job.objects.get(kind=kind)


def _finished(job_id: int) -> Job | None:
    job = Job.objects.get(pk=job_id)
    return job if job.is_finished else None


def _published(app: App, number: str = "1.0.0", **manifest) -> AppVersion:
    return make_version(app=app, number=number, status="published", **manifest)


def _folder(uid: uuid.UUID) -> Path:
    return Path(default_storage.path(f"settings/{uid}"))


# --- many accounts, built with bulk inserts ---------------------------------------------------


def _tenants(count: int) -> list[tuple[Account, Role, list[User]]]:
    """``count`` accounts, each with a role and ``USERS_PER_ACCOUNT`` members (the first
    an admin, the others in the role)."""
    tag = uuid.uuid4().hex[:8]
    accounts = Account.objects.bulk_create(
        [Account(slug=f"t{tag}-{i}", name=f"Tenant {i}") for i in range(count)]
    )
    roles = Role.objects.bulk_create(
        [Role(account=a, name="Sales", rights={"crm": "full"}) for a in accounts]
    )
    users = User.objects.bulk_create(
        [
            User(email=f"u{j}.t{i}.{tag}@example.test", full_name=f"User {j}", password="!")
            for i in range(count)
            for j in range(USERS_PER_ACCOUNT)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                account=accounts[i],
                user=users[i * USERS_PER_ACCOUNT + j],
                is_admin=j == 0,
                role=None if j == 0 else roles[i],
            )
            for i in range(count)
            for j in range(USERS_PER_ACCOUNT)
        ]
    )
    return [
        (accounts[i], roles[i], users[i * USERS_PER_ACCOUNT : (i + 1) * USERS_PER_ACCOUNT])
        for i in range(count)
    ]


def _install_everywhere(
    version: AppVersion, tenants: list[tuple[Account, Role, list[User]]]
) -> list[Installation]:
    """``version`` installed on every tenant with everything that hangs off an
    installation: its history, the manifest's webhooks, app and user settings (the
    contract a file in storage), a role allowed to use it, users' authorizations, an
    authorization code, and per user an access token refreshed once (the rotated refresh
    token revoked, the tokens pointing at each other)."""
    now = timezone.now()
    application = version.app.oauth_application
    scopes = list(effective_scopes(version.effective_scopes))
    members = {account.pk: (role, users) for account, role, users in tenants}
    installations = Installation.objects.bulk_create(
        [
            Installation(
                account=account,
                app=version.app,
                version=version,
                granted_scopes=scopes,
                installed_by=users[0],
                installed_at=now,
            )
            for account, _role, users in tenants
        ]
    )
    InstallationEvent.objects.bulk_create(
        [
            InstallationEvent(
                installation=i,
                kind=InstallationEvent.Kind.INSTALLED,
                actor_label="test",
                detail={"version": version.number},
            )
            for i in installations
        ]
    )
    WebhookSubscription.objects.bulk_create(
        [
            WebhookSubscription(installation=i, webhook_id=h["id"], event=h["event"], url=h["url"])
            for i in installations
            for h in HOOKS
        ]
    )
    settings_rows = []
    for i in installations:
        name = default_storage.save(
            f"settings/{i.uid}/{uuid.uuid4().hex}.pdf", ContentFile(PDF, name="contract.pdf")
        )
        settings_rows += [
            SettingValue(installation=i, key="company_name", value=f"Company {i.account_id}"),
            SettingValue(
                installation=i,
                key="contract",
                file=name,
                file_name="contract.pdf",
                file_size=len(PDF),
            ),
        ]
        settings_rows += [
            SettingValue(installation=i, key="signature", user=u, value=f"Regards, {u.pk}")
            for u in members[i.account_id][1]
        ]
    SettingValue.objects.bulk_create(settings_rows)
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=i, role=members[i.account_id][0]) for i in installations]
    )
    UserAuthorization.objects.bulk_create(
        [
            UserAuthorization(installation=i, user=u, scopes=scopes)
            for i in installations
            for u in members[i.account_id][1]
        ]
    )
    Grant.objects.bulk_create(
        [
            Grant(
                user=members[i.account_id][1][0],
                code=secrets.token_urlsafe(24),
                application=application,
                installation=i,
                expires=now + timedelta(minutes=1),
                redirect_uri="https://invoicer.example.com/oauth/callback",
                scope=" ".join(scopes),
            )
            for i in installations
        ]
    )
    pairs = [(i, u) for i in installations for u in members[i.account_id][1]]

    def token(model, installation, user, **fields):
        row = model(user=user, application=application, installation=installation, **fields)
        set_token_value(row, secrets.token_urlsafe(32))
        return row

    def access(installation, user, **fields):
        return token(
            AccessToken,
            installation,
            user,
            scope=" ".join(scopes),
            expires=now + timedelta(hours=1),
            **fields,
        )

    first = AccessToken.objects.bulk_create([access(i, u) for i, u in pairs])
    rotated = RefreshToken.objects.bulk_create(
        [
            token(RefreshToken, i, u, access_token=a, revoked=now)
            for (i, u), a in zip(pairs, first, strict=True)
        ]
    )
    second = AccessToken.objects.bulk_create(
        [access(i, u, source_refresh_token=r) for (i, u), r in zip(pairs, rotated, strict=True)]
    )
    RefreshToken.objects.bulk_create(
        [token(RefreshToken, i, u, access_token=a) for (i, u), a in zip(pairs, second, strict=True)]
    )
    return installations


def _rows(installation_ids: list[int], *, application_id: int | None = None) -> dict[str, int]:
    """Every row that belongs to these installations (or to the app's OAuth client, when
    given)."""
    oauth = Q(installation_id__in=installation_ids)
    if application_id is not None:
        oauth |= Q(application_id=application_id)
    mine = {"installation_id__in": installation_ids}
    return {
        "installations": Installation.objects.filter(pk__in=installation_ids).count(),
        "setting values": SettingValue.objects.filter(**mine).count(),
        "webhook subscriptions": WebhookSubscription.objects.filter(**mine).count(),
        "access rules": InstallationAccess.objects.filter(**mine).count(),
        "user authorizations": UserAuthorization.objects.filter(**mine).count(),
        "installation events": InstallationEvent.objects.filter(**mine).count(),
        "grants": Grant.objects.filter(oauth).count(),
        "access tokens": AccessToken.objects.filter(oauth).count(),
        "refresh tokens": RefreshToken.objects.filter(oauth).count(),
    }


def _files(installations: list[Installation]) -> list[Path]:
    return [
        path for i in installations if _folder(i.uid).exists() for path in _folder(i.uid).iterdir()
    ]


def _people() -> dict[str, int]:
    return {
        "accounts": Account.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "roles": Role.objects.count(),
    }


@pytest.fixture
def kept_folders():
    """Setting folders a test leaves in storage on purpose (the rows that point at them
    go with the test database); removed at the end."""
    folders: list[Path] = []
    yield folders
    for folder in folders:
        for path in folder.glob("*"):
            path.unlink()
        if folder.exists():
            folder.rmdir()


def test_an_app_deletion_survives_a_worker_killed_mid_way_and_leaves_no_orphan(
    celery_processes, settings, kept_folders
):
    developer_account = AccountFactory()
    doomed = make_app(account=developer_account, name="Invoicer")
    kept = make_app(account=developer_account, name="Timesheets")
    doomed_version = _published(doomed, webhooks=HOOKS, settings=SETTINGS)
    kept_version = _published(kept, webhooks=HOOKS, settings=SETTINGS)
    make_install_link(version=doomed_version)
    tenants = _tenants(ACCOUNTS)
    doomed_installations = _install_everywhere(doomed_version, tenants)
    kept_installations = _install_everywhere(kept_version, tenants)
    kept_folders.extend(_folder(i.uid) for i in kept_installations)
    doomed_ids = [i.pk for i in doomed_installations]
    kept_ids = [i.pk for i in kept_installations]
    application_id = doomed.oauth_application_id
    before = _rows(doomed_ids, application_id=application_id)
    kept_before = _rows(kept_ids, application_id=kept.oauth_application_id)
    people_before = _people()
    assert before == {
        "installations": ACCOUNTS,
        "setting values": ACCOUNTS * (2 + USERS_PER_ACCOUNT),
        "webhook subscriptions": ACCOUNTS * len(HOOKS),
        "access rules": ACCOUNTS,
        "user authorizations": ACCOUNTS * USERS_PER_ACCOUNT,
        "installation events": ACCOUNTS,
        "grants": ACCOUNTS,
        "access tokens": ACCOUNTS * USERS_PER_ACCOUNT * 2,
        "refresh tokens": ACCOUNTS * USERS_PER_ACCOUNT * 2,
    }
    assert kept_before == before
    assert len(_files(doomed_installations)) == ACCOUNTS

    first = celery_processes("worker", extra_env=SHORT_CHUNKS)
    app_delete(app=doomed, actor=by())
    job = _job(APP_DELETE)
    wait_for(
        lambda: Job.objects.get(pk=job.pk).progress_done >= 20,
        timeout=90,
        interval=0.05,
        what="the deletion to get through 20 accounts",
    )

    first.kill()
    killed = Job.objects.get(pk=job.pk)
    assert killed.state in (Job.State.PENDING, Job.State.RUNNING)
    assert killed.progress_done < ACCOUNTS
    assert Installation.objects.filter(pk__in=doomed_ids).exists()

    # Whatever wake-up was waiting for the dead worker is lost too: only the sweeper can
    # bring the job back, once the dead worker's lease has run out (shortened here).
    purge_broker()
    Job.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1),
        enqueued_at=timezone.now() - timedelta(minutes=5),
    )
    celery_processes("worker", extra_env=SHORT_CHUNKS)
    settings.JOBS_STALE_SECONDS = 0
    assert jobs_sweep() == [job.pk]

    done = wait_for(lambda: _finished(job.pk), timeout=120, what="the resumed deletion to end")
    assert done.state == Job.State.SUCCEEDED, done.last_error
    assert (done.progress_done, done.progress_total) == (ACCOUNTS, ACCOUNTS)
    assert _rows(doomed_ids, application_id=application_id) == dict.fromkeys(before, 0)
    assert _files(doomed_installations) == []
    assert not any(_folder(i.uid).exists() for i in doomed_installations)
    assert not App.objects.filter(pk=doomed.pk).exists()
    assert not Application.objects.filter(pk=application_id).exists()
    assert not AppVersion.objects.filter(app_id=doomed.pk).exists()
    assert not InstallLink.objects.filter(version_id=doomed_version.pk).exists()
    # The other app on the same accounts, and the accounts and their people, kept it all.
    assert _rows(kept_ids, application_id=kept.oauth_application_id) == kept_before
    assert len(_files(kept_installations)) == ACCOUNTS
    assert App.objects.filter(pk=kept.pk).exists()
    assert _people() == people_before


def test_an_uninstall_runs_to_the_end_on_a_worker(
    celery_processes, account, admin, member, sales_role, other_account, outsider
):
    app = make_app(account=AccountFactory(), name="Invoicer")
    version = _published(app, webhooks=HOOKS, settings=SETTINGS)
    installation = make_installation(account=account, version=version, by_user=admin)
    elsewhere = make_installation(account=other_account, version=version, by_user=outsider)
    admin_membership = Membership.objects.get(account=account, user=admin)
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme"},
        files={"contract": ContentFile(PDF, name="contract.pdf")},
        actor=acting_as(by(admin), admin_membership),
    )
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=acting_as(by(admin), admin_membership),
    )
    installation_settings_save(
        installation=installation,
        level="user",
        user=member,
        values={"signature": "Regards"},
        actor=acting_as(by(member), Membership.objects.get(account=account, user=member)),
    )
    issue_token(installation=installation, user=admin)
    issue_token(installation=installation, user=member)
    issue_token(installation=elsewhere, user=outsider)
    stored = SettingValue.objects.get(installation=installation, key="contract").file.name
    assert default_storage.exists(stored)
    ids = [installation.pk]
    before = _rows(ids)
    assert before == {
        "installations": 1,
        "setting values": 3,
        "webhook subscriptions": len(HOOKS),
        "access rules": 1,
        "user authorizations": 0,
        "installation events": 4,  # installed, two settings changes, access changed
        "grants": 0,
        "access tokens": 2,
        "refresh tokens": 0,
    }
    kept_before = _rows([elsewhere.pk])

    celery_processes("worker")
    installation_uninstall(installation=installation, actor=acting_as(by(admin), admin_membership))
    job = _job(INSTALLATION_UNINSTALL)

    done = wait_for(lambda: _finished(job.pk), timeout=60, what="the uninstall to end")
    assert done.state == Job.State.SUCCEEDED, done.last_error
    assert (done.progress_done, done.progress_total) == (len(UNINSTALL_STEPS),) * 2
    assert _rows(ids) == dict.fromkeys(before, 0)
    assert not default_storage.exists(stored)
    assert not _folder(installation.uid).exists()
    assert _rows([elsewhere.pk]) == kept_before


def test_a_rollout_runs_on_a_worker_updating_or_flagging_each_installation(celery_processes):
    app = make_app(account=AccountFactory(), name="Invoicer")
    reads = [{"code": "crm.accounts", "level": "read", "reason": "Shows the customer."}]
    both = [*reads, {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."}]
    narrow = _published(app, "1.0.0", scopes=reads, webhooks=[])
    wide = _published(app, "1.1.0", scopes=both, webhooks=[])
    covered, short, pinned = (
        make_installation(account=AccountFactory(), version=v) for v in (wide, narrow, narrow)
    )
    installation_pin(
        installation=pinned,
        pinned=True,
        actor=acting_as(by(), Membership(account=pinned.account, user=None, is_admin=True)),
    )
    latest = make_version(
        app=app, number="2.0.0", status="approved", scopes=both, webhooks=[HOOKS[0]]
    )
    assert not Job.objects.filter(kind=VERSION_ROLLOUT).exists()

    celery_processes("worker")
    version_publish(version=latest, actor=by())
    job = _job(VERSION_ROLLOUT)

    done = wait_for(lambda: _finished(job.pk), timeout=60, what="the rollout to end")
    assert done.state == Job.State.SUCCEEDED, done.last_error
    assert (done.progress_done, done.progress_total) == (3, 3)
    assert done.payload["counts"] == {"updated": 1, "needs_approval": 1, "pinned": 1, "skipped": 0}
    state = {
        i.pk: (i.version_id, i.pending_version_id)
        for i in Installation.objects.filter(pk__in=[covered.pk, short.pk, pinned.pk])
    }
    assert state == {
        covered.pk: (latest.pk, None),
        short.pk: (narrow.pk, latest.pk),
        pinned.pk: (narrow.pk, None),
    }
    updated = InstallationEvent.objects.get(installation=covered, kind="updated")
    assert updated.detail["automatic"] is True
    assert list(
        WebhookSubscription.objects.filter(installation=covered).values_list(
            "webhook_id", flat=True
        )
    ) == [HOOKS[0]["id"]]
    flagged = InstallationEvent.objects.get(installation=short, kind="update_needs_approval")
    assert flagged.detail == {"to": "2.0.0", "new_scopes": ["fin.invoices:full"]}
    assert not InstallationEvent.objects.filter(
        installation=pinned, kind__in=["updated", "update_needs_approval"]
    ).exists()


def test_beat_runs_the_token_purge_on_a_worker(celery_processes, account, admin):
    app = make_app(account=AccountFactory(), name="Invoicer")
    installation = make_installation(account=account, version=_published(app), by_user=admin)
    issue_token(installation=installation, user=admin, expires_in=-3600)
    issue_token(installation=installation, user=admin)
    live = AccessToken.objects.get(expires__gt=timezone.now())

    celery_processes("worker")
    celery_processes("beat", extra_env={"LIFECYCLE_PURGE_EVERY_SECONDS": "1"})

    beat = wait_for(
        lambda: Heartbeat.objects.filter(name=PURGE_HEARTBEAT).first(),
        timeout=60,
        what="the token purge's heartbeat",
    )
    assert beat.detail["caught_up"] is True
    wait_for(
        lambda: list(AccessToken.objects.values_list("pk", flat=True)) == [live.pk],
        timeout=60,
        what="the expired token to be purged",
    )
    assert Installation.objects.filter(pk=installation.pk).exists()
