"""Shared setup of the lifecycle tests: an app with everything an installation can hold,
and a way to run a job to its end without a worker.

- ``publish_app(account=)``: a published app whose manifest asks for ``users:read``,
  declares three webhooks, an embedding, and app- and user-level settings (a secret and
  files among them).
- ``make_people(account=)``: an admin, a member with a role and a member in a group.
- ``populate(account=, version=, people=)``: the version installed on the account, with
  role and group access, settings (a secret, two files in storage), connection
  parameters (a sensitive one), user
  authorizations, and per user a consumed authorization code and the tokens of one
  refresh: the rotated refresh token (revoked), the access token issued from it and the
  new refresh token pointing at that access token.
- ``installation_rows(installation_id)`` / ``app_rows(app_id)``: the ids of every row,
  by kind, to compare before and after.
- ``run_job(job)``: ``job_run`` until the job succeeds or fails; the refreshed job.

Fixtures: ``developer_account``, ``published`` (``Published``), ``installed``
(``Installed`` on ``account``, with ``admin`` as its admin).
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from oauth2_provider.models import set_token_value

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Group, Membership, Role, User
from apps.catalog.models import App, AppBanner, AppVersion, InstallLink, VersionEvent
from apps.connections.models import ConnectionValue
from apps.connections.services import connection_parameters_save
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
    installation_settings_save,
    user_authorization_record,
)
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.moderation.models import Review
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken
from tests.factories import AccountFactory, GroupFactory, MembershipFactory, RoleFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import make_installation

SCOPES = [
    {"code": "users", "level": "read", "reason": "Greets the user by name."},
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
]
WEBHOOKS = [
    {
        "id": "user-created",
        "event": "users.user.created",
        "url": "https://invoicer.example.com/hooks/users",
    },
    {
        "id": "user-updated",
        "event": "users.user.updated",
        "url": "https://invoicer.example.com/hooks/users",
    },
    {
        "id": "account-updated",
        "event": "crm.account.updated",
        "url": "https://invoicer.example.com/hooks/accounts",
    },
]
SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "api_key", "level": "app", "type": "secret", "label": "API key"},
    {"key": "contract", "level": "app", "type": "file", "label": "Contract"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
    {"key": "attachment", "level": "user", "type": "file", "label": "Attachment"},
]
USER_SCOPES = ["users:read"]
CONNECTION = {
    "type": "generic",
    "parameters": [
        {"key": "token", "label": "Token", "sensitive": True},
        {"key": "region", "label": "Region"},
    ],
}

# What ``populate`` leaves per installation, with ``make_people``'s three users.
USERS = 3
EXPECTED_COUNTS = {
    "grants": USERS,
    "refresh_tokens": 2 * USERS,
    "access_tokens": USERS,
    "connection": 2,
    "authorizations": USERS,
    # company_name, api_key, contract; a signature per user; the admin's attachment
    "settings": 3 + USERS + 1,
    "webhooks": 3,
    "access": 2,
    # installed, access changed, app settings, connection parameters, one user-settings
    # save per user, and one authorization per user
    "events": 4 + USERS + USERS,
    "installation": 1,
}
FILES = 2


@dataclass
class Published:
    app: App
    version: AppVersion
    secret: str = ""  # the OAuth client secret, shown once at creation

    @property
    def client_id(self) -> str:
        return str(self.app.oauth_application.client_id)


@dataclass
class People:
    """The users of one account who use the app: its admin first."""

    account: Account
    admin: User
    role: Role
    group: Group
    users: list[User]


@dataclass
class Installed:
    installation: Installation
    people: People
    raw_access: dict[int, str] = field(default_factory=dict)  # user pk -> live access token
    raw_refresh: dict[int, str] = field(default_factory=dict)  # user pk -> live refresh token
    file_names: list[str] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.installation.pk

    @property
    def folder(self) -> str:
        return f"settings/{self.installation.uid}"

    def rows(self) -> dict[str, set[int]]:
        return installation_rows(self.installation.pk)

    def files_exist(self) -> list[bool]:
        return [default_storage.exists(name) for name in self.file_names]


def publish_app(*, account: Account, name: str = "Invoicer", number: str = "1.0.0") -> Published:
    """A published public app of ``account`` with the lifecycle manifest."""
    app, secret = make_app_with_secret(account=account, name=name)
    version = make_version(
        app=app,
        number=number,
        status="published",
        scopes=SCOPES,
        webhooks=WEBHOOKS,
        settings=SETTINGS,
        connection=CONNECTION,
    )
    return Published(app=app, version=version, secret=secret)


def make_people(*, account: Account, admin: User | None = None) -> People:
    """An admin (``admin`` when given), a member with a role and a member in a group."""
    if admin is None:
        admin = MembershipFactory(account=account, is_admin=True).user
    role = RoleFactory(account=account)
    group = GroupFactory(account=account)
    with_role = MembershipFactory(account=account, role=role).user
    in_group = MembershipFactory(account=account, groups=[group]).user
    return People(
        account=account, admin=admin, role=role, group=group, users=[admin, with_role, in_group]
    )


def upload(name: str = "contract.pdf", content: bytes = b"%PDF-1.4 lifecycle") -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = name
    buffer.size = len(content)  # type: ignore[attr-defined]
    return buffer


def _raw() -> str:
    return secrets.token_urlsafe(32)


def refreshed_tokens(
    *,
    installation: Installation | None,
    user: User,
    application: Application,
    scope: str = " ".join(USER_SCOPES),
) -> tuple[str, str]:
    """The rows one code exchange and one refresh leave, as the authorization server
    writes them: the consumed code, the first refresh token (revoked by the rotation,
    its access token gone), the access token issued from it and the new refresh token
    pointing at that access token. Returns the raw (access, refresh) tokens."""
    now = timezone.now()
    family = uuid.uuid4()
    membership = (
        Membership.objects.filter(account_id=installation.account_id, user=user).first()
        if installation is not None
        else None
    )
    Grant.objects.create(
        user=user,
        code=_raw(),
        application=application,
        expires=now + timedelta(minutes=10),
        redirect_uri="https://invoicer.example.com/oauth/callback",
        scope=scope,
        installation=installation,
        token_family=family,
        consumed_at=now,
    )
    first = RefreshToken(
        user=user,
        application=application,
        token_family=family,
        installation=installation,
        revoked=now,
    )
    set_token_value(first, _raw())
    first.save()
    raw_access, raw_refresh = _raw(), _raw()
    access = AccessToken(
        user=user,
        application=application,
        installation=installation,
        membership=membership,
        source_refresh_token=first,
        scope=scope,
        expires=now + timedelta(hours=1),
    )
    set_token_value(access, raw_access)
    access.save()
    second = RefreshToken(
        user=user,
        application=application,
        access_token=access,
        token_family=family,
        installation=installation,
    )
    set_token_value(second, raw_refresh)
    second.save()
    return raw_access, raw_refresh


def populate(*, account: Account, version: AppVersion, people: People | None = None) -> Installed:
    """``version`` installed on ``account`` through the services, holding a row of every
    kind the uninstall cascade removes (counts in ``EXPECTED_COUNTS``)."""
    people = people or make_people(account=account)
    admin = people.admin
    admin_ship = Membership.objects.get(account=account, user=admin)
    by = actor_for_user(user=admin)
    installation = make_installation(account=account, version=version, by_user=admin)
    installation_access_set(
        installation=installation,
        role_ids=[people.role.pk],
        group_ids=[people.group.pk],
        actor=acting_as(by, admin_ship),
    )
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme", "api_key": "a-very-long-secret-0123"},
        files={"contract": upload()},
        actor=acting_as(by, admin_ship),
    )
    for user in people.users:
        installation_settings_save(
            installation=installation,
            level="user",
            user=user,
            values={"signature": f"Regards, {user.email}"},
            files={"attachment": upload("notes.txt", b"notes")} if user == admin else None,
            actor=acting_as(by, admin_ship),
        )
    connection_parameters_save(
        installation=installation,
        values={"token": "outside-token-0123456789", "region": "eu"},
        actor=acting_as(by, admin_ship),
    )
    installed = Installed(installation=installation, people=people)
    for user in people.users:
        user_authorization_record(
            installation=installation,
            user=user,
            scopes=USER_SCOPES,
            actor=actor_for_user(user=user),
        )
        raw_access, raw_refresh = refreshed_tokens(
            installation=installation, user=user, application=version.app.oauth_application
        )
        installed.raw_access[user.pk] = raw_access
        installed.raw_refresh[user.pk] = raw_refresh
    installed.file_names = sorted(
        SettingValue.objects.filter(installation=installation)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    installation.refresh_from_db()
    return installed


def _ids(queryset: Any) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def installation_rows(installation_id: int) -> dict[str, set[int]]:
    """The ids of every row of one installation, by kind (keys of ``EXPECTED_COUNTS``)."""
    mine = {"installation_id": installation_id}
    return {
        "grants": _ids(Grant.objects.filter(**mine)),
        "refresh_tokens": _ids(RefreshToken.objects.filter(**mine)),
        "access_tokens": _ids(AccessToken.objects.filter(**mine)),
        "connection": _ids(ConnectionValue.objects.filter(**mine)),
        "authorizations": _ids(UserAuthorization.objects.filter(**mine)),
        "settings": _ids(SettingValue.objects.filter(**mine)),
        "webhooks": _ids(WebhookSubscription.objects.filter(**mine)),
        "access": _ids(InstallationAccess.objects.filter(**mine)),
        "events": _ids(InstallationEvent.objects.filter(**mine)),
        "installation": _ids(Installation.objects.filter(pk=installation_id)),
    }


def app_rows(app_id: int, application_id: int) -> dict[str, set[int]]:
    """The ids of the rows an app's deletion removes once no installation is left."""
    versions = AppVersion.objects.filter(app_id=app_id)
    by_client = {"application_id": application_id}
    return {
        "app": _ids(App.objects.filter(pk=app_id)),
        "application": _ids(Application.objects.filter(pk=application_id)),
        "versions": _ids(versions),
        "version_events": _ids(VersionEvent.objects.filter(version__in=versions)),
        "reviews": _ids(Review.objects.filter(version__in=versions)),
        "install_links": _ids(InstallLink.objects.filter(version__in=versions)),
        "banners": _ids(AppBanner.objects.filter(app_id=app_id)),
        "grants": _ids(Grant.objects.filter(**by_client)),
        "refresh_tokens": _ids(RefreshToken.objects.filter(**by_client)),
        "access_tokens": _ids(AccessToken.objects.filter(**by_client)),
    }


def counts(rows: dict[str, set[int]]) -> dict[str, int]:
    return {name: len(ids) for name, ids in rows.items()}


def run_job(
    job: Job, *, max_chunks: int = 500, after_chunk: Callable[[Job], None] | None = None
) -> Job:
    """Run ``job`` chunk after chunk, as a worker would, until it succeeds or fails.
    ``after_chunk`` sees the refreshed job after each chunk. Returns the refreshed job."""
    for _ in range(max_chunks):
        outcome = job_run(job_id=job.pk)
        job.refresh_from_db()
        if after_chunk is not None:
            after_chunk(job)
        if outcome in ("succeeded", "failed"):
            return job
        assert outcome == "continued", f"job {job.pk}: {outcome} ({job.last_error})"
    raise AssertionError(f"Job {job.pk} did not finish in {max_chunks} chunks.")


def jobs_for(kind: str, **payload: Any) -> list[Job]:
    return [
        job
        for job in Job.objects.filter(kind=kind).order_by("pk")
        if all(job.payload.get(key) == value for key, value in payload.items())
    ]


@pytest.fixture
def developer_account(db) -> Account:
    return AccountFactory(slug="devstudio", name="Dev Studio")


@pytest.fixture
def published(developer_account) -> Published:
    return publish_app(account=developer_account)


@pytest.fixture
def installed(published, account, admin) -> Installed:
    return populate(
        account=account, version=published.version, people=make_people(account=account, admin=admin)
    )


__all__: Sequence[str] = (
    "EXPECTED_COUNTS",
    "FILES",
    "Installed",
    "People",
    "Published",
    "app_rows",
    "counts",
    "installation_rows",
    "jobs_for",
    "make_people",
    "populate",
    "publish_app",
    "refreshed_tokens",
    "run_job",
    "upload",
)
