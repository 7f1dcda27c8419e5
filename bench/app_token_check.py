"""Cost of an app's API request against its physical limit, measured in the same run.

An app's request (`GET /api/v1/users/me`) counts the token against its rate limit, loads
it with its application, user, installation, account, membership and role, and whether
the member's role or groups may use the app, in one query, refuses it when it no longer
stands, and intersects scopes and rights. Its physical limit is what it cannot avoid:

- a bare DRF view answering the same payload (no authentication, permission or
  throttle; `bench/urls.py`), through the same middleware and test client;
- plus one indexed lookup of the token row, as a plain parameterised SQL statement
  through the same database connection (timed alone, and also inside the bare view, in
  one request: `bench/bare-lookup`).

Each round runs every measurement once, interleaved, so load on the machine hits them
alike; DEBUG is off. It prints the median of each, its query count, and the ratio of the
app's request to the limit (the target is at most 1.2), first with one token in the
table, then with ``--tokens`` more and 400 access rules on the installation (roles and
groups), which must change neither the query count nor the time. `GET /api/v1/users`
(the rights path) and an API-key request (`GET /api/v1/account`) are shown beside.

    .venv/bin/python bench/app_token_check.py [--tokens N] [--rounds R]

Runs on a throwaway SQLite database under var/ (or on PostgreSQL with DATABASE_URL set).
"""

import argparse
import hashlib
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-token.sqlite3").resolve()))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import get_access_token_model  # noqa: E402

from apps.accounts.actors import Actor, actor_system  # noqa: E402
from apps.accounts.models import Account, Group, Membership, Role, User  # noqa: E402
from apps.accounts.services import api_key_create  # noqa: E402
from apps.catalog.services import (  # noqa: E402
    app_create,
    install_link_create,
    version_create,
    version_publish,
)
from apps.installations.models import InstallationAccess  # noqa: E402
from apps.installations.services import installation_install  # noqa: E402
from bench.urls import PAYLOAD, PLAIN_LOOKUP  # noqa: E402
from tests.factories.accounts import acting_as  # noqa: E402
from tests.factories.catalog import manifest_text  # noqa: E402

AccessToken = get_access_token_model()
SCOPES = [
    {"code": "users", "level": "read", "reason": "Lists the account's users."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
]


def token_row(raw: str, *, installation, membership) -> AccessToken:
    return AccessToken(
        user=membership.user,
        application=installation.app.oauth_application,
        installation=installation,
        membership=membership,
        scope="users:read",
        expires=timezone.now() + timedelta(hours=1),
        token="",
        token_checksum=hashlib.sha256(raw.encode()).hexdigest(),
    )


def get(client: Client, url: str, headers: dict[str, str], expected: object = None) -> Callable:
    def run() -> None:
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.content)
        if expected is not None:
            assert response.json() == expected, response.content

    return run


def lookup(checksum: str) -> Callable:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_LOOKUP, [checksum])
            assert cursor.fetchone() is not None

    return run


def timed(steps: dict[str, Callable], rounds: int) -> dict[str, tuple[float, int]]:
    """Median time (ms) and query count of each step, interleaved round by round."""
    queries = {}
    for label, step in steps.items():
        for _ in range(20):
            step()
        with CaptureQueriesContext(connection) as captured:
            step()
        queries[label] = len(captured)
    times: dict[str, list[float]] = {label: [] for label in steps}
    for _ in range(rounds):
        for label, step in steps.items():
            started = time.perf_counter()
            step()
            times[label].append((time.perf_counter() - started) * 1000)
    return {label: (statistics.median(times[label]), queries[label]) for label in steps}


def report(title: str, result: dict[str, tuple[float, int]]) -> float:
    limit = result["bare view"][0] + result["plain lookup"][0]
    print(title)
    print(f"  {'measure':<44} {'median':>9} {'queries':>8} {'/ limit':>8}")
    for label, (ms, queries) in result.items():
        print(f"  {label:<44} {ms:>7.3f}ms {queries:>8} {ms / limit:>7.2f}x")
    print(f"  limit (bare view + plain lookup)             {limit:>7.3f}ms")
    app = result["app token: GET /api/v1/users/me"][0]
    ratio = app / limit
    in_one = app / result["bare view + plain lookup, one request"][0]
    print(f"  app request / limit: {ratio:.2f}x (target <= 1.20)")
    print(f"  app request / bare view with the lookup in one request: {in_one:.2f}x")
    return ratio


def build(actor: Actor):
    developer_account = Account.objects.create(slug="bench-dev", name="Bench Developer")
    account = Account.objects.create(slug="bench-acme", name="Bench Acme")
    admin = User.objects.create_user("admin@bench.test", "x")
    admin_membership = Membership.objects.create(user=admin, account=account, is_admin=True)
    role = Role.objects.create(account=account, name="Staff", rights={"users": "read"})
    member = User.objects.create_user(PAYLOAD["email"], "x")
    membership = Membership.objects.create(user=member, account=account, role=role)
    app, _secret = app_create(account=developer_account, name="Bench", type="private", actor=actor)
    version = version_create(app=app, raw=manifest_text("1.0.0", scopes=SCOPES), actor=actor)
    version_publish(version=version, actor=actor)
    # The app is private: install it the way an install link does.
    link, _raw = install_link_create(version=version, actor=actor)
    installation = installation_install(
        account=account,
        version=version,
        actor=acting_as(actor, admin_membership),
        install_link=link,
    )
    InstallationAccess.objects.create(installation=installation, role=role)
    _key, api_key = api_key_create(account=account, name="bench", created_by=admin)
    return account, installation, membership, api_key


def grow(*, tokens: int, account, installation, membership) -> None:
    started = time.perf_counter()
    AccessToken.objects.bulk_create(
        [
            token_row(f"filler-{i}", installation=installation, membership=membership)
            for i in range(tokens)
        ],
        batch_size=5000,
    )
    groups = Group.objects.bulk_create(
        [Group(account=account, name=f"Team {i}") for i in range(200)]
    )
    roles = Role.objects.bulk_create(
        [Role(account=account, name=f"Role {i}", rights={}) for i in range(200)]
    )
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=installation, group=g) for g in groups]
        + [InstallationAccess(installation=installation, role=r) for r in roles]
    )
    membership.groups.add(*groups[:50])
    print(f"added {tokens} tokens and 400 access rules in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=50_000, help="tokens added in phase 2")
    parser.add_argument("--rounds", type=int, default=1500)
    args = parser.parse_args()

    setup_test_environment()
    settings.DEBUG = False
    # Persistent connections, as in production (CONN_MAX_AGE=60): the test client ends
    # each request as a server would, which would otherwise open a connection per request.
    connection.settings_dict["CONN_MAX_AGE"] = None
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        unlimited = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "principal": "1000000000/day",
            },
        }
        with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False, REST_FRAMEWORK=unlimited):
            account, installation, membership, api_key = build(actor_system(label="bench"))
            assert PAYLOAD["id"] == membership.user_id, "bench/urls.py's payload is the member's"
            raw = "bench-" + secrets.token_urlsafe(24)
            token_row(raw, installation=installation, membership=membership).save()
            checksum = hashlib.sha256(raw.encode()).hexdigest()
            client = Client()
            bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
            steps = {
                "bare view": get(client, "/bench/bare", {}, PAYLOAD),
                "plain lookup": lookup(checksum),
                "bare view + plain lookup, one request": get(
                    client, "/bench/bare-lookup", bearer, PAYLOAD
                ),
                "app token: GET /api/v1/users/me": get(client, "/api/v1/users/me", bearer, PAYLOAD),
                "app token: GET /api/v1/users (rights, page)": get(client, "/api/v1/users", bearer),
                "API key: GET /api/v1/account": get(
                    client, "/api/v1/account", {"HTTP_AUTHORIZATION": f"Bearer {api_key}"}
                ),
            }
            print(f"database: {connection.vendor}; {args.rounds} interleaved rounds; DEBUG off")
            first = report("1 token in the table", timed(steps, args.rounds))
            grow(
                tokens=args.tokens,
                account=account,
                installation=installation,
                membership=membership,
            )
            second = report(
                f"{args.tokens} more tokens, 400 access rules", timed(steps, args.rounds)
            )
            print(f"app request / limit: {first:.2f}x, then {second:.2f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
