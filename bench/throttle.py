"""The API's rate limit under gunicorn with several workers, and what persistent database
connections are worth.

Starts ``gunicorn --workers W`` (default 4) with the production settings, the database
of this run and Redis as the cache, then:

1. sends ``--requests`` requests (default 3,000) from ``--clients`` threads (default 50)
   with one API key (``GET /api/v1/account``) and then one app access token
   (``GET /api/v1/users/me``) against a limit of ``--limit`` a day (default 1,200; a day,
   so the window cannot turn during the run), and prints how many got through, and the
   ratio to the limit (1.00 is exact);
2. with the limit out of the way, times ``--requests`` app-token requests with
   ``CONN_MAX_AGE=0`` (a new database connection per request) and with the production
   default (60 s, health checks on), and prints requests per second and the ratio.

    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/throttle.py [--workers W] [--clients C] [--requests N]

Needs ``REDIS_URL`` (production settings refuse a per-process cache); runs on
PostgreSQL with ``DATABASE_URL`` set (the database ``test_<name>`` is created and
dropped), else on a throwaway SQLite file under var/. The counters are removed from
Redis afterwards by their key prefix.
"""

import argparse
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    sys.exit("Set REDIS_URL (e.g. redis://127.0.0.1:6379/13): the limit counts in Redis.")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-throttle.sqlite3'}")
from bench.gunicorn import production_env  # noqa: E402

SERVER_ENV = {
    **production_env(
        name="throttle", settings_module="marketplace.settings.production", redis_url=REDIS_URL
    ),
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.gunicorn import Server, database_url  # noqa: E402
from tests.factories import AccountFactory, ApiKeyFactory, MembershipFactory, UserFactory  # noqa: E402
from tests.factories.catalog import make_app, make_version  # noqa: E402
from tests.factories.installations import issue_token, make_installation  # noqa: E402


def hammer(url: str, token: str, *, clients: int, total: int) -> tuple[Counter[int], float]:
    barrier = threading.Barrier(clients + 1)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(count: int) -> None:
        with requests.Session() as http:
            barrier.wait()
            for _ in range(count):
                status = http.get(
                    url, headers={"Authorization": f"Bearer {token}"}, timeout=60
                ).status_code
                with lock:
                    statuses[status] += 1

    shares = [total // clients + (1 if n < total % clients else 0) for n in range(clients)]
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--limit", type=int, default=1200)
    args = parser.parse_args()

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"] = {**db.get("TEST", {}), "NAME": str(ROOT / "var" / "bench-throttle.sqlite3")}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    redis_client = redis.Redis.from_url(REDIS_URL)
    try:
        account = AccountFactory(slug="bench", name="Bench")
        admin = UserFactory(email="admin@bench.test")
        MembershipFactory(account=account, user=admin, is_admin=True)
        publisher = AccountFactory(slug="publisher", name="Publisher")
        app = make_app(account=publisher, name="Profile")
        version = make_version(
            app=app,
            status="published",
            scopes=[{"code": "user.me", "level": "read", "reason": "Who you are."}],
            webhooks=[],
        )
        installation = make_installation(account=account, version=version, by_user=admin)
        token = issue_token(installation=installation, user=admin, expires_in=24 * 3600)
        _, api_key = ApiKeyFactory(account=account)
        base_env = {
            "DATABASE_URL": database_url(),
            "CACHE_URL": REDIS_URL,
            "API_THROTTLE_ANONYMOUS": f"{args.limit}/day",
        }
        connection.close()

        print(
            f"gunicorn --workers {args.workers}, {args.clients} clients, "
            f"{args.requests} requests, limit {args.limit} a day, {connection.vendor}, Redis"
        )
        server = Server(
            workers=args.workers,
            env={**base_env, "API_THROTTLE_PRINCIPAL": f"{args.limit}/day"},
        )
        try:
            for label, path, credential in (
                ("API key", "/api/v1/account", api_key),
                ("app token", "/api/v1/users/me", token),
            ):
                statuses, _ = hammer(
                    server.url + path, credential, clients=args.clients, total=args.requests
                )
                through = statuses[200]
                print(
                    f"  {label:9}  through {through:5}  refused {statuses[429]:5}  "
                    f"other {sum(statuses.values()) - through - statuses[429]:3}  "
                    f"ratio to the limit {through / args.limit:.2f}"
                )
        finally:
            server.stop()

        print("app-token requests per second, limit out of the way:")
        rates = {}
        for label, extra in (
            ("CONN_MAX_AGE=0", {"CONN_MAX_AGE": "0"}),
            ("CONN_MAX_AGE=60, health checks", {"CONN_MAX_AGE": "60"}),
        ):
            server = Server(
                workers=args.workers,
                env={**base_env, **extra, "API_THROTTLE_PRINCIPAL": "100000000/day"},
            )
            try:
                hammer(server.url + "/api/v1/users/me", token, clients=args.clients, total=200)
                statuses, seconds = hammer(
                    server.url + "/api/v1/users/me",
                    token,
                    clients=args.clients,
                    total=args.requests,
                )
            finally:
                server.stop()
            assert set(statuses) == {200}, statuses
            rates[label] = args.requests / seconds
            print(f"  {label:31}  {rates[label]:7.0f} req/s")
        low, high = rates.values()
        print(f"  ratio persistent / per request: {high / low:.2f}")
    finally:
        for key in redis_client.scan_iter(match="marketplace:*throttle_*", count=1000):
            redis_client.delete(key)
        redis_client.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
