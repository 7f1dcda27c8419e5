"""An app's request under load, against a bare view served by the same server in the
same run.

Starts ``gunicorn --workers W`` (default 4) with the production settings plus the
benchmarks' URLs (``bench/settings.py``: the bare view exists only there), on the
database of this run and Redis (the cache the rate limits count in), then drives
``--clients`` concurrent clients (default 50) against, in alternating slices of
``--slice`` seconds until each has had ``--duration`` seconds (default 60):

- ``GET /bench/bare``: a DRF view with no authentication, permission or throttle
  answering the /users/me payload;
- ``GET /bench/bare-lookup``: the same plus one plain lookup of the token row (with
  ``--with-lookup``);
- ``GET /api/v1/users/me`` with an app's access token (its rate limit counted in Redis,
  its one query, its checks).

It prints requests per second, median and 99th-percentile latency and the non-200
answers of each, and the app's throughput as a share of the bare view's (target: at least
0.5, and no 5xx). The clients are one asyncio process on the same machine as the server,
the database and Redis, so the absolute rates depend on the machine; the ratio is what
carries over.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/load.py [--workers W] [--clients C] [--duration S]

Needs ``REDIS_URL``; runs on PostgreSQL with ``DATABASE_URL`` set (the database
``test_<name>`` is created and dropped), else on a throwaway SQLite file under var/. The
rate-limit counters are removed from Redis afterwards by their key prefix.
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    sys.exit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/13): the rate limits count in Redis.")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-load.sqlite3'}")
from bench.gunicorn import production_env  # noqa: E402

SERVER_ENV = {
    **production_env(name="load", settings_module="bench.settings", redis_url=REDIS_URL),
    # The limit out of the way: this measures the cost of a request, not the limit.
    "API_THROTTLE_PRINCIPAL": "1000000000/day",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.gunicorn import Server, database_url  # noqa: E402
from bench.urls import PAYLOAD  # noqa: E402
from tests.factories import AccountFactory, MembershipFactory, RoleFactory, UserFactory  # noqa: E402
from tests.factories.catalog import make_app, make_version  # noqa: E402
from tests.factories.installations import issue_token, make_installation  # noqa: E402


async def _request(port: int, raw: bytes) -> int:
    """One request on its own connection (gunicorn's sync workers close it after each
    answer); its status, or 0 when the connection failed."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0
    try:
        writer.write(raw)
        answer = await reader.read()
    except OSError:
        return 0
    finally:
        writer.close()
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


async def drive(
    port: int, raw: bytes, *, clients: int, seconds: float
) -> tuple[Counter[int], list[float], float]:
    """``clients`` concurrent clients sending ``raw`` for ``seconds``: statuses,
    latencies (ms) and the time it took until the last answer."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            status = await _request(port, raw)
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[status] += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return statuses, latencies, time.perf_counter() - started


def request_bytes(path: str, token: str | None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def build() -> str:
    """The member of ``bench/urls.py``'s payload, an app installed for their role, and
    the member's access token."""
    account = AccountFactory(slug="bench", name="Bench", language=PAYLOAD["language"])
    admin = UserFactory(email="admin@bench.test")
    MembershipFactory(account=account, user=admin, is_admin=True)
    role = RoleFactory(account=account, name=PAYLOAD["role"], rights={"users": "read"})
    member = UserFactory(email=PAYLOAD["email"], full_name=PAYLOAD["full_name"])
    MembershipFactory(account=account, user=member, role=role)
    publisher = AccountFactory(slug="publisher", name="Publisher")
    app = make_app(account=publisher, name="Directory")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "users", "level": "read", "reason": "Lists the account's users."}],
        webhooks=[],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    from apps.installations.models import InstallationAccess

    InstallationAccess.objects.create(installation=installation, role=role)
    return issue_token(installation=installation, user=member, expires_in=24 * 3600)


def report(label: str, statuses: Counter[int], latencies: list[float], seconds: float) -> float:
    total = sum(statuses.values())
    rate = total / seconds
    errors = sum(n for status, n in statuses.items() if status >= 500)
    other = total - statuses[200] - errors
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0
    print(
        f"  {label:<28} {rate:8.0f} req/s  {total:7} requests  median "
        f"{statistics.median(ordered) if ordered else 0:6.1f} ms  p99 {p99:6.1f} ms  "
        f"5xx {errors}  other non-200 {other}"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds per endpoint")
    parser.add_argument("--slice", type=float, default=10, help="seconds per alternation")
    parser.add_argument("--with-lookup", action="store_true", help="also the bare lookup view")
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        # Only the file's name: Django has filled in the other test settings already.
        db["TEST"] = {**db.get("TEST", {}), "NAME": str(ROOT / "var" / "bench-load.sqlite3")}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    redis_client = redis.Redis.from_url(REDIS_URL)
    try:
        token = build()
        connection.close()
        targets = {"bare view": request_bytes("/bench/bare", None)}
        if args.with_lookup:
            targets["bare view + plain lookup"] = request_bytes("/bench/bare-lookup", token)
        targets["app token: /users/me"] = request_bytes("/api/v1/users/me", token)
        print(
            f"gunicorn --workers {args.workers}, {args.clients} clients, {args.duration:.0f} s "
            f"per endpoint in slices of {args.slice:.0f} s, {connection.vendor}, Redis"
        )
        server = Server(workers=args.workers, env={"DATABASE_URL": database_url()}, backlog=1024)
        try:
            results = run(server.port, targets, args)
        finally:
            server.stop()
        rates = {
            label: report(label, statuses, latencies, seconds)
            for label, (statuses, latencies, seconds) in results.items()
        }
        app, bare = rates["app token: /users/me"], rates["bare view"]
        print(f"  app / bare view throughput: {app / bare:.2f}x (target >= 0.50)")
        if args.with_lookup:
            print(f"  app / bare view + lookup: {app / rates['bare view + plain lookup']:.2f}x")
    finally:
        for key in redis_client.scan_iter(match="marketplace:*throttle_*", count=1000):
            redis_client.delete(key)
        redis_client.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(
    port: int, targets: dict[str, bytes], args: argparse.Namespace
) -> dict[str, tuple[Counter[int], list[float], float]]:
    """Each target in turn, a slice at a time, until each has had its duration; a short
    warm-up of each first (every worker connects to the database and Redis)."""
    for raw in targets.values():
        asyncio.run(drive(port, raw, clients=args.clients, seconds=2))
    results: dict[str, tuple[Counter[int], list[float], float]] = {
        label: (Counter(), [], 0.0) for label in targets
    }
    remaining = args.duration
    while remaining > 0:
        seconds = min(args.slice, remaining)
        for label, raw in targets.items():
            statuses, latencies, elapsed = asyncio.run(
                drive(port, raw, clients=args.clients, seconds=seconds)
            )
            total_statuses, total_latencies, total_seconds = results[label]
            total_statuses.update(statuses)
            total_latencies.extend(latencies)
            results[label] = (total_statuses, total_latencies, total_seconds + elapsed)
        remaining -= seconds
    return results


if __name__ == "__main__":
    main()
