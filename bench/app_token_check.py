"""Cost of checking an app's access token on each API request, against an API-key request
measured in the same run.

An app's request (`GET /api/v1/users/me`) loads the token with its application, user,
installation, account, membership and role, and whether the member's role or groups may
use the app, in one query, then intersects scopes and rights in Python. This prints the
median time of one request and its query count:

- for the token check with few tokens in the table, and with many (``--tokens``), and with
  many access rules on the installation (roles and groups), which must not change the
  query count;
- for the baseline: `GET /api/v1/account` with an account API key (one keyed-hash
  lookup), in the same process and database;
- the ratios.

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
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-token.sqlite3").resolve()))

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import get_access_token_model  # noqa: E402

from apps.accounts.models import Account, Group, Membership, Role, User  # noqa: E402
from apps.accounts.services import api_key_create  # noqa: E402
from apps.catalog.services import (  # noqa: E402
    By,
    app_create,
    install_link_create,
    version_create,
    version_publish,
)
from apps.installations.models import InstallationAccess  # noqa: E402
from apps.installations.services import installation_install  # noqa: E402
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


def timed(
    client: Client, requests: dict[str, tuple[str, dict[str, str]]], rounds: int
) -> dict[str, tuple[float, int]]:
    """Median time and query count of each request, interleaved round by round so load
    on the machine hits them alike."""
    for url, headers in requests.values():
        for _ in range(5):
            assert client.get(url, **headers).status_code == 200, url
    times: dict[str, list[float]] = {label: [] for label in requests}
    queries: dict[str, int] = {}
    for _ in range(rounds):
        for label, (url, headers) in requests.items():
            reset_queries()
            started = time.perf_counter()
            response = client.get(url, **headers)
            times[label].append((time.perf_counter() - started) * 1000)
            queries[label] = len(connection.queries)
            assert response.status_code == 200
    return {label: (statistics.median(times[label]), queries[label]) for label in requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=50_000, help="tokens in the table")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()

    setup_test_environment()
    from django.conf import settings

    settings.DEBUG = True
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        by = By(user=None, label="bench")
        developer_account = Account.objects.create(slug="bench-dev", name="Bench Developer")
        account = Account.objects.create(slug="bench-acme", name="Bench Acme")
        admin = User.objects.create_user("admin@bench.test", "x")
        admin_membership = Membership.objects.create(user=admin, account=account, is_admin=True)
        role = Role.objects.create(account=account, name="Staff", rights={"users": "read"})
        member = User.objects.create_user("member@bench.test", "x")
        membership = Membership.objects.create(user=member, account=account, role=role)
        app, _secret = app_create(account=developer_account, name="Bench", type="private", by=by)
        version = version_create(
            app=app,
            raw=manifest_text("1.0.0", scopes=SCOPES),
            by=by,
        )
        version_publish(version=version, by=by)
        # The app is private: install it the way an install link does.
        link, _raw = install_link_create(version=version, by=by)
        installation = installation_install(
            account=account, version=version, by=by, membership=admin_membership, install_link=link
        )
        InstallationAccess.objects.create(installation=installation, role=role)
        raw = "bench-" + secrets.token_urlsafe(24)
        token_row(raw, installation=installation, membership=membership).save()
        _key, api_key = api_key_create(account=account, name="bench", created_by=admin)

        client = Client()
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        key_header = {"HTTP_AUTHORIZATION": f"Bearer {api_key}"}
        first = timed(
            client,
            {
                "key": ("/api/v1/account", key_header),
                "token": ("/api/v1/users/me", bearer),
            },
            args.rounds,
        )
        baseline, few = first["key"], first["token"]

        started = time.perf_counter()
        batch = [
            token_row(f"filler-{i}", installation=installation, membership=membership)
            for i in range(args.tokens)
        ]
        AccessToken.objects.bulk_create(batch, batch_size=5000)
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
        elapsed = time.perf_counter() - started
        print(f"added {args.tokens} tokens and 400 access rules in {elapsed:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        second = timed(
            client,
            {
                "key": ("/api/v1/account", key_header),
                "token": ("/api/v1/users/me", bearer),
            },
            args.rounds,
        )
        many = second["token"]

        print(f"{'request':<52} {'median':>9} {'queries':>8} {'vs API key':>11}")
        rows = [
            ("API key: GET /api/v1/account (baseline)", baseline),
            ("app token: GET /api/v1/users/me, 1 token", few),
            ("API key, after the growth", second["key"]),
            (f"app token: /users/me, {args.tokens} tokens, 400 rules", many),
        ]
        for label, (ms, queries) in rows:
            print(f"{label:<52} {ms:>7.2f}ms {queries:>8} {ms / baseline[0]:>10.2f}x")
        print(f"growth with the table: {many[0] / few[0]:.2f}x; database: {connection.vendor}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
