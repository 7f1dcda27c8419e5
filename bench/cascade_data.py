"""The data of ``bench/cascade.py``: accounts with a populated app installed, every row
of the app counted per table, and the plain SQL floor that deletes them. Imported once
Django is set up."""

import hashlib
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.accounts.models import Account, Group, Membership, Role, User
from apps.catalog.models import App, AppVersion, InstallLink, VersionEvent
from apps.catalog.services import app_create, version_create, version_publish
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken
from tests.factories.catalog import manifest_text

BY = actor_system(label="bench")
CHUNK = 500  # accounts built per round of bulk inserts: memory stays bounded at any N
APP_SETTINGS = ("company_name", "region", "plan")
WEBHOOKS = ("invoice-created", "invoice-updated", "deal-won")
SCOPES = ["crm.accounts:read", "fin.invoices:full"]


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_accounts(prefix: str, count: int, users: int) -> list[int]:
    """``count`` accounts, each with ``users`` members, a role and a group."""
    account_ids: list[int] = []
    for start in range(0, count, CHUNK):
        accounts = Account.objects.bulk_create(
            [
                Account(slug=f"{prefix}-{i:05d}", name=f"{prefix} {i}")
                for i in range(start, min(start + CHUNK, count))
            ]
        )
        roles = Role.objects.bulk_create(
            [Role(account=a, name="Staff", rights={"crm": "read"}) for a in accounts]
        )
        Group.objects.bulk_create([Group(account=a, name="Sales") for a in accounts])
        people = User.objects.bulk_create(
            [
                User(email=f"u{u}@{a.slug}.bench", password="!")
                for a in accounts
                for u in range(users)
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=people[i * users + u], account=a, role=roles[i], is_admin=u == 0)
                for i, a in enumerate(accounts)
                for u in range(users)
            ],
            batch_size=2000,
        )
        account_ids.extend(a.pk for a in accounts)
    return account_ids


def _tokens(app: App, name: str, by_account: dict, memberships: list, now) -> None:
    """Per member, the tokens of one refresh: the rotated refresh token (revoked), the
    access token issued from it, the live refresh token pointing at that access token."""
    common = {"application_id": app.oauth_application_id, "scope": " ".join(SCOPES)}
    previous = RefreshToken.objects.bulk_create(
        [
            RefreshToken(
                user_id=user_id,
                installation=by_account[account_id],
                token="",
                token_checksum=checksum(f"{name}-rt0-{pk}"),
                revoked=now - timedelta(hours=1),
                application_id=app.oauth_application_id,
            )
            for pk, user_id, account_id in memberships
        ],
        batch_size=2000,
    )
    access = AccessToken.objects.bulk_create(
        [
            AccessToken(
                user_id=user_id,
                installation=by_account[account_id],
                membership_id=pk,
                source_refresh_token=previous[n],
                token="",
                token_checksum=checksum(f"{name}-at-{pk}"),
                expires=now + timedelta(hours=1),
                **common,
            )
            for n, (pk, user_id, account_id) in enumerate(memberships)
        ],
        batch_size=2000,
    )
    RefreshToken.objects.bulk_create(
        [
            RefreshToken(
                user_id=user_id,
                installation=by_account[account_id],
                access_token=access[n],
                token="",
                token_checksum=checksum(f"{name}-rt1-{pk}"),
                application_id=app.oauth_application_id,
            )
            for n, (pk, user_id, account_id) in enumerate(memberships)
        ],
        batch_size=2000,
    )


def _installation_rows(installations: list, by_account: dict, memberships: list) -> None:
    """App-level settings and one per user, webhook subscriptions, a role and a group
    with access, and the installation's history."""
    SettingValue.objects.bulk_create(
        [
            SettingValue(installation=i, key=key, value=f"{key} of {i.account_id}")
            for i in installations
            for key in APP_SETTINGS
        ]
        + [
            SettingValue(
                installation=by_account[account_id],
                key="signature",
                user_id=user_id,
                value=f"Regards, {user_id}",
            )
            for _pk, user_id, account_id in memberships
        ],
        batch_size=2000,
    )
    WebhookSubscription.objects.bulk_create(
        [
            WebhookSubscription(
                installation=i,
                webhook_id=hook,
                event=f"fin.{hook}",
                url=f"https://invoicer.example.com/hooks/{hook}",
            )
            for i in installations
            for hook in WEBHOOKS
        ]
    )
    chunk = list(by_account)
    roles = dict(Role.objects.filter(account_id__in=chunk).values_list("account_id", "pk"))
    groups = dict(Group.objects.filter(account_id__in=chunk).values_list("account_id", "pk"))
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=i, role_id=roles[i.account_id]) for i in installations]
        + [InstallationAccess(installation=i, group_id=groups[i.account_id]) for i in installations]
    )
    InstallationEvent.objects.bulk_create(
        [
            InstallationEvent(installation=i, kind="installed", actor_label="bench")
            for i in installations
        ]
    )


def build_app(developer: Account, name: str, account_ids: list[int]) -> App:
    """The app, published, installed on every account of ``account_ids`` with everything
    an installation gathers. Built in rounds of ``CHUNK`` accounts."""
    app, _secret = app_create(account=developer, name=name, type="private", actor=BY)
    version = version_create(app=app, raw=manifest_text("1.0.0"), actor=BY)
    version_publish(version=version, actor=BY)
    now = timezone.now()
    for start in range(0, len(account_ids), CHUNK):
        chunk = account_ids[start : start + CHUNK]
        installations = Installation.objects.bulk_create(
            [
                Installation(
                    account_id=a, app=app, version=version, granted_scopes=SCOPES, installed_at=now
                )
                for a in chunk
            ]
        )
        by_account = {i.account_id: i for i in installations}
        memberships = list(
            Membership.objects.filter(account_id__in=chunk)
            .order_by("pk")
            .values_list("pk", "user_id", "account_id")
        )
        _tokens(app, name, by_account, memberships, now)
        _installation_rows(installations, by_account, memberships)
    analyze()
    return app


def analyze() -> None:
    """Fresh planner statistics, as a live database has them (autovacuum lags a bulk load)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def app_rows(app_id: int, application_id: int) -> dict[str, int]:
    """Every row that belongs to the app, per table: what its deletion must remove."""
    installs = Installation.objects.filter(app_id=app_id)
    versions = AppVersion.objects.filter(app_id=app_id)
    per_installation = {
        model: model._default_manager.filter(installation__in=installs).count()
        for model in (
            SettingValue,
            WebhookSubscription,
            InstallationAccess,
            UserAuthorization,
            InstallationEvent,
        )
    }
    counts = {
        "access tokens": AccessToken.objects.filter(application_id=application_id).count(),
        "refresh tokens": RefreshToken.objects.filter(application_id=application_id).count(),
        "grants": Grant.objects.filter(application_id=application_id).count(),
        **{str(m._meta.verbose_name_plural): n for m, n in per_installation.items()},
        "installations": installs.count(),
        "versions, events, links": versions.count()
        + VersionEvent.objects.filter(version__in=versions).count()
        + InstallLink.objects.filter(version__in=versions).count(),
        "app and OAuth client": App.objects.filter(pk=app_id).count()
        + Application.objects.filter(pk=application_id).count(),
    }
    return counts


def plain_delete(app_id: int, application_id: int) -> None:
    """One ``DELETE`` per table, in one transaction (the pointers between access and
    refresh tokens are deferred constraints, checked at commit)."""
    q = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return q(model._meta.db_table)

    installs = f"SELECT id FROM {table(Installation)} WHERE app_id = %s"
    versions = f"SELECT id FROM {table(AppVersion)} WHERE app_id = %s"
    statements = [
        (f"DELETE FROM {table(Grant)} WHERE application_id = %s", application_id),
        (f"DELETE FROM {table(AccessToken)} WHERE application_id = %s", application_id),
        (f"DELETE FROM {table(RefreshToken)} WHERE application_id = %s", application_id),
        *(
            (f"DELETE FROM {table(model)} WHERE installation_id IN ({installs})", app_id)
            for model in (
                UserAuthorization,
                SettingValue,
                WebhookSubscription,
                InstallationAccess,
                InstallationEvent,
            )
        ),
        (f"DELETE FROM {table(Installation)} WHERE app_id = %s", app_id),
        (f"DELETE FROM {table(InstallLink)} WHERE version_id IN ({versions})", app_id),
        (f"DELETE FROM {table(VersionEvent)} WHERE version_id IN ({versions})", app_id),
        (f"DELETE FROM {table(AppVersion)} WHERE app_id = %s", app_id),
        (f"DELETE FROM {table(App)} WHERE id = %s", app_id),
        (f"DELETE FROM {table(Application)} WHERE id = %s", application_id),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, param in statements:
            cursor.execute(sql, [param])
