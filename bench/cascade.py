"""Deleting a populated app: the app-deletion job through a real worker, against plain SQL.

Builds N accounts (``--accounts``, default 2,000) with the app installed, each with
``--users`` members (default 10) holding tokens as the server stores them after one
refresh (a revoked refresh token, the access token issued from it, and the live refresh
token pointing at that access token), three app-level settings and one per user, three
webhook subscriptions, two access rules (a role and a group) and the installation's
history. Then:

1. starts ``celery -A marketplace worker --pool=solo`` against the same database and
   broker (as ``tests/worker.py`` does), calls ``app_delete`` and times it until the job
   row has succeeded; prints accounts per second, rows deleted per second and the
   worker's peak memory (``VmHWM`` of its process, read before it stops);
2. builds the same data again (same shape, same row counts) and times deleting those
   rows with one plain SQL ``DELETE`` per table in one transaction: the floor, with no
   batching, no short transactions and no progress; prints the ratio;
3. counts the database queries of the job per account, running its chunks in this
   process under ``CaptureQueriesContext`` on small samples with ``--users`` and with
   four times as many users per account (the count must not grow with users).

    .venv/bin/python bench/cascade.py [--accounts N] [--users U] [--sample S]

Runs on a throwaway SQLite database under var/ with the filesystem broker, or on
PostgreSQL with ``DATABASE_URL`` set (the test database ``test_<name>`` is created and
dropped) and Redis with ``REDIS_URL`` set.
"""

import argparse
import hashlib
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-cascade.sqlite3").resolve()))
os.environ.setdefault("CELERY_FILESYSTEM_DIR", str(Path("var/bench-cascade-broker").resolve()))

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402

from apps.accounts.actors import actor_system  # noqa: E402
from apps.accounts.models import Account, Group, Membership, Role, User  # noqa: E402
from apps.catalog.models import App, AppVersion, InstallLink, VersionEvent  # noqa: E402
from apps.catalog.services import (  # noqa: E402
    app_create,
    app_delete,
    version_create,
    version_publish,
)
from apps.installations.models import (  # noqa: E402
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.jobs.kinds import APP_DELETE  # noqa: E402
from apps.jobs.models import Job  # noqa: E402
from apps.jobs.services import job_run  # noqa: E402
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken  # noqa: E402
from tests.factories.catalog import manifest_text  # noqa: E402
from tests.worker import CeleryProcess, purge_broker  # noqa: E402

BY = actor_system(label="bench")
CHUNK = 500  # accounts built per round of bulk inserts: memory stays bounded at any N
APP_SETTINGS = ("company_name", "region", "plan")
WEBHOOKS = ("invoice-created", "invoice-updated", "deal-won")


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


def build_app(developer: Account, name: str, account_ids: list[int]) -> App:
    """The app, published, installed on every account of ``account_ids`` with everything
    an installation gathers. Built in rounds of ``CHUNK`` accounts."""
    app, _secret = app_create(account=developer, name=name, type="private", actor=BY)
    version = version_create(app=app, raw=manifest_text("1.0.0"), actor=BY)
    version_publish(version=version, actor=BY)
    now = timezone.now()
    scopes = ["crm.accounts:read", "fin.invoices:full"]
    for start in range(0, len(account_ids), CHUNK):
        chunk = account_ids[start : start + CHUNK]
        installations = Installation.objects.bulk_create(
            [
                Installation(
                    account_id=a,
                    app=app,
                    version=version,
                    granted_scopes=scopes,
                    installed_at=now,
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
        common = {"application_id": app.oauth_application_id, "scope": " ".join(scopes)}
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
        roles = dict(Role.objects.filter(account_id__in=chunk).values_list("account_id", "pk"))
        groups = dict(Group.objects.filter(account_id__in=chunk).values_list("account_id", "pk"))
        InstallationAccess.objects.bulk_create(
            [InstallationAccess(installation=i, role_id=roles[i.account_id]) for i in installations]
            + [
                InstallationAccess(installation=i, group_id=groups[i.account_id])
                for i in installations
            ]
        )
        InstallationEvent.objects.bulk_create(
            [
                InstallationEvent(installation=i, kind="installed", actor_label="bench")
                for i in installations
            ]
        )
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


def vm_kib(pid: int, field: str) -> int:
    """A memory figure of a live process from ``/proc/<pid>/status`` (kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found for process {pid}")


def delete_app(app: App) -> Job:
    with transaction.atomic():
        app_delete(app=app, actor=BY)
    return Job.objects.filter(kind=APP_DELETE).order_by("-pk")[0]


def wait_finished(job: Job, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Job.objects.filter(pk=job.pk).values_list("state", flat=True).get()
        if state in (Job.State.SUCCEEDED, Job.State.FAILED):
            return state
        time.sleep(0.05)
    raise SystemExit(f"The job did not finish within {timeout:.0f} s.")


def through_worker(app: App, accounts: int) -> dict[str, float]:
    """Delete ``app`` with a real worker process; time from ``app_delete`` to the job row
    succeeding."""
    purge_broker()
    worker = CeleryProcess("worker").wait_ready()
    try:
        ready_kib = vm_kib(worker.proc.pid, "VmHWM")
        started = time.perf_counter()
        job = delete_app(app)
        state = wait_finished(job, timeout=max(600.0, accounts * 0.5))
        elapsed = time.perf_counter() - started
        peak_kib = vm_kib(worker.proc.pid, "VmHWM")
    finally:
        worker.stop()
    job.refresh_from_db()
    if state != Job.State.SUCCEEDED:
        raise SystemExit(f"The job failed: {job.last_error}\n{worker.output()[-3000:]}")
    return {"seconds": elapsed, "ready_kib": ready_kib, "peak_kib": peak_kib}


CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET LOCAL")


def queries_per_account(
    developer: Account, sample: int, users: int, tag: str
) -> tuple[int, int, int]:
    """Run an app deletion over ``sample`` accounts of ``users`` members in this process,
    counting every statement of every chunk; returns (data statements, commits,
    chunks). Transaction control (BEGIN, SAVEPOINT, SET LOCAL...) is not a data
    statement; both backends log it, so it is counted apart."""
    account_ids = build_accounts(f"q{tag}", sample, users)
    app = build_app(developer, f"Sample {tag}", account_ids)
    job = delete_app(app)
    chunks = 0
    with CaptureQueriesContext(connection) as captured:
        for _ in range(10_000):
            chunks += 1
            if job_run(job_id=job.pk) in ("succeeded", "failed"):
                break
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.last_error
    statements = [q["sql"].lstrip().upper() for q in captured.captured_queries]
    data = sum(1 for sql in statements if not sql.startswith(CONTROL))
    commits = sum(1 for sql in statements if sql.startswith("COMMIT"))
    return data, commits, chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000, help="accounts with the app")
    parser.add_argument("--users", type=int, default=10, help="members per account")
    parser.add_argument(
        "--sample", type=int, default=50, help="accounts in each query-count sample"
    )
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        developer = Account.objects.create(slug="bench-developer", name="Bench Developer")
        started = time.perf_counter()
        account_ids = build_accounts("acct", args.accounts, args.users)
        app = build_app(developer, "Cascade", account_ids)
        before = app_rows(app.pk, app.oauth_application_id)
        rows = sum(before.values())
        print(
            f"built {args.accounts} accounts x {args.users} users, {rows:,} rows of the app "
            f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        for name, count in before.items():
            print(f"  {name:<28} {count:>10,}")

        cascade = through_worker(app, args.accounts)
        left = app_rows(app.pk, app.oauth_application_id)
        assert not any(left.values()), f"rows left after the cascade: {left}"

        copy = build_app(developer, "Cascade copy", account_ids)
        again = app_rows(copy.pk, copy.oauth_application_id)
        assert again == before, f"the copy differs: {again} != {before}"
        started = time.perf_counter()
        plain_delete(copy.pk, copy.oauth_application_id)
        plain_seconds = time.perf_counter() - started
        left = app_rows(copy.pk, copy.oauth_application_id)
        assert not any(left.values()), f"rows left after the plain DELETEs: {left}"

        samples = [
            (args.users, *queries_per_account(developer, args.sample, args.users, "a")),
            (args.users * 4, *queries_per_account(developer, args.sample, args.users * 4, "b")),
        ]
        purge_broker()

        seconds = cascade["seconds"]
        print()
        print(f"{'':<36} {'cascade (worker)':>17} {'plain SQL':>12}")
        print(f"{'seconds':<36} {seconds:>17.2f} {plain_seconds:>12.2f}")
        print(
            f"{'accounts per second':<36} {args.accounts / seconds:>17,.0f} "
            f"{args.accounts / plain_seconds:>12,.0f}"
        )
        label = "rows deleted per second"
        print(f"{label:<36} {rows / seconds:>17,.0f} {rows / plain_seconds:>12,.0f}")
        ratio = plain_seconds / seconds
        print(
            f"throughput, cascade / plain SQL: {ratio:.2f} "
            f"({'meets' if ratio >= 0.25 else 'misses'} the target of 0.25)"
        )
        print(
            f"worker peak memory (VmHWM): {cascade['peak_kib'] / 1024:.1f} MiB "
            f"({cascade['ready_kib'] / 1024:.1f} MiB when ready, "
            f"+{(cascade['peak_kib'] - cascade['ready_kib']) / 1024:.1f} MiB during the job)"
        )
        for users, queries, commits, chunks in samples:
            print(
                f"queries per account, {users} users each: {queries / args.sample:.1f} "
                f"and {commits / args.sample:.1f} commits ({queries} queries, {commits} "
                f"commits, {args.sample} accounts, {chunks} chunk(s), in-process)"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
