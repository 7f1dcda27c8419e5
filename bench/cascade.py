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
   four times as many users per account (the count must not grow with users);
4. times, in this process, the two ways an installation goes, interleaved in groups of
   ten accounts on one sample (``--paths-sample``): the one transaction of a small
   installation and the steps of its deletion plan; prints both per account (whether
   the one-transaction path still pays).

    .venv/bin/python bench/cascade.py [--accounts N] [--users U] [--sample S]
        [--paths-sample P]

The data and the plain SQL floor are in ``bench/cascade_data.py``. Runs with the test
settings, DEBUG off unless ``DEBUG=true`` (the header says which), on a throwaway SQLite
database under var/ with the filesystem broker, or on PostgreSQL with ``DATABASE_URL``
set (the test database ``test_<name>`` is created and dropped) and Redis with
``REDIS_URL`` set.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-cascade.sqlite3").resolve()))
os.environ.setdefault("CELERY_FILESYSTEM_DIR", str(Path("var/bench-cascade-broker").resolve()))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from apps.accounts.models import Account  # noqa: E402
from apps.catalog.models import App  # noqa: E402
from apps.catalog.services import app_delete  # noqa: E402
from apps.installations.models import Installation, InstallationStatus  # noqa: E402
from apps.installations.services import (  # noqa: E402
    APP_DELETION_ACTOR,
    installation_mark_uninstalling,
)
from apps.jobs.kinds import APP_DELETE  # noqa: E402
from apps.jobs.models import Job  # noqa: E402
from apps.jobs.services import job_run  # noqa: E402
from apps.lifecycle.services.batches import relaxed_commits  # noqa: E402
from apps.lifecycle.services.cascade import UNINSTALL_STEPS, installation_purge  # noqa: E402
from apps.lifecycle.services.whole import (  # noqa: E402
    installation_delete_whole,
    installations_small,
)
from bench.cascade_data import (  # noqa: E402
    BY,
    app_rows,
    build_accounts,
    build_app,
    plain_delete,
)
from tests.worker import CeleryProcess, purge_broker  # noqa: E402


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


def per_account_paths(developer: Account, sample: int, users: int) -> dict[str, float]:
    """Milliseconds per account of the two ways an installation goes, in this process,
    interleaved in groups of ten accounts of one sample (medians of the groups): the one
    transaction (the size check, then ``installation_delete_whole``) and the steps of
    its plan (moved to ``uninstalling``, then ``installation_purge``)."""
    account_ids = build_accounts("p", sample, users)
    app = build_app(developer, "Paths", account_ids)
    ids = list(Installation.objects.filter(app=app).order_by("pk").values_list("pk", flat=True))
    statuses = (InstallationStatus.ACTIVE, InstallationStatus.UNINSTALLING)
    spent: dict[str, list[float]] = {"one transaction": [], "steps": []}
    with relaxed_commits():
        for n in range(0, len(ids), 10):
            group = ids[n : n + 10]
            way = "steps" if (n // 10) % 2 else "one transaction"
            started = time.perf_counter()
            if way == "steps":
                for pk in group:
                    installation = Installation.objects.get(pk=pk)
                    installation_mark_uninstalling(
                        installation=installation, actor=APP_DELETION_ACTOR
                    )
                    assert installation_purge(installation_id=pk) == len(UNINSTALL_STEPS)
            else:
                assert installations_small(installation_ids=group) == set(group)
                for pk in group:
                    assert installation_delete_whole(installation_id=pk, statuses=statuses)
            spent[way].append((time.perf_counter() - started) * 1000 / len(group))
    return {way: statistics.median(ms) for way, ms in spent.items()}


def report(args: argparse.Namespace, rows: int, figures: dict[str, Any]) -> None:
    cascade, plain_seconds = figures["cascade"], figures["plain_seconds"]
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
    one, steps = figures["paths"]["one transaction"], figures["paths"]["steps"]
    print(
        f"per account, in-process: one transaction {one:.2f} ms, the plan's steps "
        f"{steps:.2f} ms ({steps / one:.0f}x; medians of groups of ten, "
        f"{args.paths_sample} accounts)"
    )
    for users, queries, commits, chunks in figures["samples"]:
        print(
            f"queries per account, {users} users each: {queries / args.sample:.1f} "
            f"and {commits / args.sample:.1f} commits ({queries} queries, {commits} "
            f"commits, {args.sample} accounts, {chunks} chunk(s), in-process)"
        )


def measure(args: argparse.Namespace) -> None:
    developer = Account.objects.create(slug="bench-developer", name="Bench Developer")
    started = time.perf_counter()
    account_ids = build_accounts("acct", args.accounts, args.users)
    app = build_app(developer, "Cascade", account_ids)
    before = app_rows(app.pk, app.oauth_application_id)
    rows = sum(before.values())
    print(
        f"built {args.accounts} accounts x {args.users} users, {rows:,} rows of the app "
        f"in {time.perf_counter() - started:.1f} s ({connection.vendor}, "
        f"DEBUG {'on' if settings.DEBUG else 'off'})"
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
    paths = per_account_paths(developer, args.paths_sample, args.users)
    purge_broker()
    report(
        args,
        rows,
        {"cascade": cascade, "plain_seconds": plain_seconds, "samples": samples, "paths": paths},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000, help="accounts with the app")
    parser.add_argument("--users", type=int, default=10, help="members per account")
    parser.add_argument(
        "--sample", type=int, default=50, help="accounts in each query-count sample"
    )
    parser.add_argument(
        "--paths-sample",
        type=int,
        default=200,
        help="accounts timed in-process, one transaction against the steps",
    )
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        measure(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
