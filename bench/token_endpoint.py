"""The token endpoint against stock django-oauth-toolkit, measured in the same run.

Times the two grants apps use at ``POST /oauth/token/``, through Django's test client
with DEBUG off:

- the authorization-code exchange (confidential client, client secret in the body, PKCE
  S256), a fresh code each round;
- the refresh grant (rotation on), with the refresh token the exchange just returned.

The baseline is django-oauth-toolkit as it comes: its own models and migrations, its
``OAuth2Validator`` and ``TokenView``, Django's default password hasher (PBKDF2, 1,000,000
iterations) for the client secret, its default settings. It runs in a child process
started by this script (a second Django with only ``auth``, ``contenttypes`` and
``oauth2_provider`` installed, on the same database engine and server, with the same
connection options), and the two are interleaved round by round: one stock exchange and
refresh, then ``--ours-per-round`` of ours, so load on the machine hits both alike. It
prints the medians, the queries of each request and the ratios.

    .venv/bin/python bench/token_endpoint.py [--rounds N] [--ours-per-round K]

Runs on throwaway SQLite databases under var/, or on PostgreSQL with DATABASE_URL set
(test databases ``test_<name>`` and ``test_<name>_stock`` on the same server).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import types
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
REDIRECT_URI = "https://invoicer.example.com/oauth/callback"
FORM = "application/x-www-form-urlencoded"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def timed_post(client: Any, path: str, data: dict[str, str]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.post(path, urlencode(data), content_type=FORM)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.content
    return elapsed, response.json()


class Endpoint:
    """One side of the comparison: makes a code, exchanges it, refreshes."""

    path = "/oauth/token/"

    def __init__(self, client_id: str, secret: str) -> None:
        from django.test import Client

        self.client = Client()
        self.client_id = client_id
        self.secret = secret

    def new_code(self, challenge: str) -> str:
        raise NotImplementedError

    def round(self) -> tuple[float, float]:
        verifier, challenge = pkce_pair()
        code = self.new_code(challenge)
        exchange_ms, tokens = timed_post(
            self.client,
            self.path,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": self.client_id,
                "client_secret": self.secret,
                "code_verifier": verifier,
            },
        )
        refresh_ms, _renewed = timed_post(
            self.client,
            self.path,
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                "client_id": self.client_id,
                "client_secret": self.secret,
            },
        )
        return exchange_ms, refresh_ms

    def queries(self) -> tuple[int, int]:
        """Queries of one exchange and one refresh (transaction control left out)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = []
        original = timed_post

        def counting(client: Any, path: str, data: dict[str, str]) -> tuple[float, Any]:
            with CaptureQueriesContext(connection) as ctx:
                result = original(client, path, data)
            counts.append(sum(1 for q in ctx.captured_queries if not _control(q["sql"])))
            return result

        globals()["timed_post"] = counting
        try:
            self.round()
        finally:
            globals()["timed_post"] = original
        return counts[0], counts[1]


CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def _control(sql: str | None) -> bool:
    # A statement sent with server-side binding (a prepared lookup) is logged as None.
    return sql is not None and sql.split(" ", 1)[0].upper() in CONTROL


# --- ours -------------------------------------------------------------------------------------


class Ours(Endpoint):
    def __init__(self) -> None:
        from apps.accounts.actors import actor_system
        from apps.accounts.models import Account, Membership, Role, User
        from apps.catalog.services import (
            app_create,
            install_link_create,
            version_create,
            version_publish,
        )
        from apps.installations.models import InstallationAccess
        from apps.installations.services import installation_install
        from tests.factories.accounts import acting_as
        from tests.factories.catalog import manifest_text

        actor = actor_system(label="bench")
        developer = Account.objects.create(slug="bench-dev", name="Bench Developer")
        account = Account.objects.create(slug="bench-acme", name="Bench Acme")
        admin = User.objects.create_user("admin@bench.test", "x")
        admin_membership = Membership.objects.create(user=admin, account=account, is_admin=True)
        role = Role.objects.create(account=account, name="Staff", rights={"users": "read"})
        self.user = User.objects.create_user("member@bench.test", "x")
        Membership.objects.create(user=self.user, account=account, role=role)
        app, secret = app_create(account=developer, name="Bench", type="private", actor=actor)
        scopes = [
            {"code": "users", "level": "read", "reason": "Lists the account's users."},
            {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
        ]
        version = version_create(app=app, raw=manifest_text("1.0.0", scopes=scopes), actor=actor)
        version_publish(version=version, actor=actor)
        link, _raw = install_link_create(version=version, actor=actor)
        self.installation = installation_install(
            account=account,
            version=version,
            actor=acting_as(actor, admin_membership),
            install_link=link,
        )
        # The member reaches the app through a role, not as an admin: the usual case.
        InstallationAccess.objects.create(installation=self.installation, role=role)
        self.application = app.oauth_application
        super().__init__(self.application.client_id, secret)

    def new_code(self, challenge: str) -> str:
        """A code as the consent step leaves it (``PlatformValidator``)."""
        from django.utils import timezone
        from oauth2_provider.models import get_grant_model

        from apps.oauth.models import code_digest

        raw = secrets.token_urlsafe(30)
        get_grant_model().objects.create(
            application=self.application,
            user=self.user,
            code=code_digest(raw),
            expires=timezone.now() + timedelta(minutes=10),
            redirect_uri=REDIRECT_URI,
            scope="users:read",
            code_challenge=challenge,
            code_challenge_method="S256",
            installation=self.installation,
            token_family=uuid.uuid4(),
        )
        return raw


# --- stock ------------------------------------------------------------------------------------


def stock_settings(database: dict[str, Any]) -> dict[str, Any]:
    """A project as django-oauth-toolkit's tutorial sets it up: its models, its views,
    Django's defaults (PBKDF2 for secrets), DOT's defaults."""
    urls = types.ModuleType("stock_urls")
    sys.modules["stock_urls"] = urls
    return {
        "DEBUG": False,
        "SECRET_KEY": "stock-" + "x" * 50,
        "ALLOWED_HOSTS": ["*"],
        "USE_TZ": True,
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "oauth2_provider",
        ],
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        "ROOT_URLCONF": "stock_urls",
        "DATABASES": {"default": database},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
    }


class Stock(Endpoint):
    path = "/o/token/"

    def __init__(self) -> None:
        from django.contrib.auth.models import User
        from oauth2_provider.models import Application

        self.user = User.objects.create_user("member", "member@bench.test", "x")
        secret = secrets.token_urlsafe(96)
        self.application = Application.objects.create(
            name="Bench",
            user=self.user,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT_URI,
            client_secret=secret,
        )
        super().__init__(self.application.client_id, secret)

    def new_code(self, challenge: str) -> str:
        """A code as DOT's authorization view leaves it."""
        from django.utils import timezone
        from oauth2_provider.models import Grant

        raw = secrets.token_urlsafe(30)
        Grant.objects.create(
            application=self.application,
            user=self.user,
            code=raw,
            expires=timezone.now() + timedelta(minutes=1),
            redirect_uri=REDIRECT_URI,
            scope="read",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return raw


def stock_worker() -> None:
    """The child process: stock DOT, one round per line read from stdin."""
    import django
    from django.conf import settings

    database = json.loads(os.environ["STOCK_DATABASE"])
    settings.configure(**stock_settings(database))
    django.setup()
    from django.urls import include, path

    sys.modules["stock_urls"].urlpatterns = [  # type: ignore[attr-defined]
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider"))
    ]
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        stock = Stock()
        for _ in range(2):
            stock.round()
        exchange_q, refresh_q = stock.queries()
        print(json.dumps({"ready": True, "queries": [exchange_q, refresh_q]}), flush=True)
        for line in sys.stdin:
            if line.strip() != "round":
                break
            print(json.dumps(stock.round()), flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


# --- the run ----------------------------------------------------------------------------------


def start_stock(database: dict[str, Any]) -> subprocess.Popen[str]:
    stock_db = {k: v for k, v in database.items() if k != "TEST"}
    if stock_db["ENGINE"].endswith("sqlite3"):
        stock_db["NAME"] = str(ROOT / "var" / "bench-token-stock.sqlite3")
        stock_db["TEST"] = {"NAME": stock_db["NAME"]}
    else:
        stock_db["NAME"] = f"{stock_db['NAME']}_stock"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["STOCK_DATABASE"] = json.dumps(stock_db, default=str)
    return subprocess.Popen(
        [sys.executable, __file__, "--stock-worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def report(label: str, stock: list[float], ours: list[float], queries: tuple[int, int]) -> None:
    s, o = statistics.median(stock), statistics.median(ours)
    print(
        f"{label:<28} {s:>10.2f} ms {queries[0]:>4} q {o:>8.2f} ms {queries[1]:>4} q {s / o:>8.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="stock rounds")
    parser.add_argument("--ours-per-round", type=int, default=10)
    parser.add_argument("--stock-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stock_worker:
        stock_worker()
        return

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
    os.environ.setdefault("TEST_SQLITE_PATH", str(ROOT / "var" / "bench-token-ours.sqlite3"))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    settings.DEBUG = False
    child = start_stock(settings.DATABASES["default"])
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        ours = Ours()
        for _ in range(5):
            ours.round()
        our_queries = ours.queries()
        assert child.stdin is not None and child.stdout is not None
        ready = json.loads(child.stdout.readline())
        stock_queries = ready["queries"]
        times: dict[str, list[float]] = {k: [] for k in ("se", "sr", "oe", "or")}
        for _ in range(args.rounds):
            child.stdin.write("round\n")
            child.stdin.flush()
            exchange_ms, refresh_ms = json.loads(child.stdout.readline())
            times["se"].append(exchange_ms)
            times["sr"].append(refresh_ms)
            for _ in range(args.ours_per_round):
                exchange_ms, refresh_ms = ours.round()
                times["oe"].append(exchange_ms)
                times["or"].append(refresh_ms)
        child.stdin.close()
        child.wait(timeout=120)
        print(
            f"database: {connection.vendor}; {args.rounds} stock rounds, "
            f"{args.rounds * args.ours_per_round} of ours, interleaved; medians"
        )
        print(f"{'grant':<28} {'stock DOT':>13} {'':>6} {'ours':>11} {'':>6} {'ratio':>9}")
        report("authorization code", times["se"], times["oe"], (stock_queries[0], our_queries[0]))
        report("refresh token", times["sr"], times["or"], (stock_queries[1], our_queries[1]))
    finally:
        if child.poll() is None:
            child.kill()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
