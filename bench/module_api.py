"""Cost of the App API on module records against the same queries through a bare view.

With 100,000 CRM accounts across 100 tenant accounts, an app's token (``crm.accounts:read
task:full``, for a member whose role reads the CRM and writes tasks) lists 50 of its
account's CRM accounts with a filter (``GET /api/v1/crm/account/?kind=customer&page_size=50``)
and creates a task (``POST /api/v1/task/task/``, linked to a CRM account). Each is
measured against a bare DRF view (``bench/urls.py``: no authentication, permission,
throttle, filter backend or idempotency) doing the same queries through the same
serializer, pagination and record service, with the same middleware and test client.
The create is also measured with its change-event write turned off, to show what the
event adds.

Each round runs every measurement once, interleaved, so load on the shared machine hits
them alike; it prints the medians of wall time and of the thread's CPU time
(``time.thread_time``, which the machine's other work does not inflate; on PostgreSQL it
leaves out the server's share) and the ratios. Query counts are taken with 1,000 records
(10 per account) and again with 100,000, and for a page of 10 and of 50: they must not
change.

    .venv/bin/python bench/module_api.py [--rounds R] [--per-account N]

Runs on a throwaway SQLite database under var/ (or on PostgreSQL with DATABASE_URL set).
Targets: app / bare at most 1.3x; query counts constant in rows; the event write adding
at most 10% to a create.
"""

import argparse
import hashlib
import os
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-module.sqlite3").resolve()))

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

from apps.accounts.actors import actor_system  # noqa: E402
from apps.accounts.models import Account, Membership, Role, User  # noqa: E402
from apps.catalog.services import (  # noqa: E402
    app_create,
    install_link_create,
    version_create,
    version_publish,
)
from apps.installations.models import InstallationAccess  # noqa: E402
from apps.installations.services import installation_install  # noqa: E402
from apps.modules import services as record_services  # noqa: E402
from apps.modules.models import ChangeEvent, CrmAccount, Task  # noqa: E402
from tests.factories.accounts import acting_as  # noqa: E402
from tests.factories.catalog import manifest_text  # noqa: E402

AccessToken = get_access_token_model()
ACCOUNTS = 100
KINDS = ("customer", "prospect", "partner", "supplier")
SCOPES = [
    {"code": "crm.accounts", "level": "read", "reason": "Lists customers."},
    {"code": "task", "level": "full", "reason": "Creates follow-up tasks."},
]


def build(per_account: int):
    """The 100 accounts with ``per_account`` CRM accounts each, the app installed on the
    first, and a member there with a token; returns what the steps need."""
    actor = actor_system(label="bench")
    developer = Account.objects.create(slug="bench-dev", name="Bench Developer")
    accounts = Account.objects.bulk_create(
        [Account(slug=f"bench-{i}", name=f"Bench {i}") for i in range(ACCOUNTS)]
    )
    account = accounts[0]
    admin = User.objects.create_user("admin@bench.test", "x")
    admin_membership = Membership.objects.create(user=admin, account=account, is_admin=True)
    role = Role.objects.create(
        account=account, name="Sales", rights={"crm": "read", "task": "full"}
    )
    member = User.objects.create_user("member@bench.test", "x")
    membership = Membership.objects.create(user=member, account=account, role=role)
    app, _secret = app_create(account=developer, name="Bench", type="private", actor=actor)
    version = version_create(
        app=app, raw=manifest_text("1.0.0", scopes=SCOPES, webhooks=[]), actor=actor
    )
    version_publish(version=version, actor=actor)
    link, _raw = install_link_create(version=version, actor=actor)
    installation = installation_install(
        account=account,
        version=version,
        actor=acting_as(actor, admin_membership),
        install_link=link,
    )
    InstallationAccess.objects.create(installation=installation, role=role)
    add_records(accounts, per_account)
    raw = "bench-" + secrets.token_urlsafe(24)
    AccessToken(
        user=member,
        application=app.oauth_application,
        installation=installation,
        membership=membership,
        scope="crm.accounts:read task:full",
        expires=timezone.now() + timedelta(days=1),
        token="",
        token_checksum=hashlib.sha256(raw.encode()).hexdigest(),
    ).save()
    return accounts, raw


def add_records(accounts, per_account: int) -> None:
    started = time.perf_counter()
    rows = [
        CrmAccount(
            account=account,
            name=f"Customer {account.pk}-{n}",
            kind=KINDS[n % len(KINDS)],
            industry=("Retail", "Software", "Logistics")[n % 3],
        )
        for account in accounts
        for n in range(per_account)
    ]
    CrmAccount.objects.bulk_create(rows, batch_size=5000)
    total = CrmAccount.objects.count()
    print(
        f"{total} CRM accounts across {len(accounts)} accounts "
        f"({time.perf_counter() - started:.1f} s to add {len(rows)})"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def request(client: Client, method: str, url: str, headers: dict, status: int, body=None):
    def run():
        if method == "get":
            response = client.get(url, **headers)
        else:
            response = client.post(url, body, content_type="application/json", **headers)
        assert response.status_code == status, (url, response.content[:500])
        return response

    return run


def without_events(step: Callable) -> Callable:
    """``step`` with the record services' change-event write turned off."""

    def run():
        written = record_services.event_write
        record_services.event_write = lambda **kwargs: None
        try:
            return step()
        finally:
            record_services.event_write = written

    return run


def queries_of(step: Callable) -> list[str]:
    """The statements ``step`` runs, each as its verb and table (the token lookup sent
    with server-side binding on PostgreSQL is logged without its text)."""
    with CaptureQueriesContext(connection) as captured:
        step()
    named = []
    for query in captured.captured_queries:
        sql = query["sql"] or "SELECT oauth_accesstoken"
        if "oauth_accesstoken" in sql:
            named.append("SELECT oauth_accesstoken (the token, with its checks' rows)")
            continue
        table = re.search(r'\b(?:FROM|INTO)\s+"?(\w+)', sql)
        named.append(sql.split()[0] + (f" {table.group(1)}" if table else ""))
    return named


def timed(steps: dict[str, Callable], rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall and thread CPU time (ms) of each step, interleaved round by round."""
    for step in steps.values():
        for _ in range(20):
            step()
    wall: dict[str, list[float]] = {label: [] for label in steps}
    cpu: dict[str, list[float]] = {label: [] for label in steps}
    for _ in range(rounds):
        for label, step in steps.items():
            started, started_cpu = time.perf_counter(), time.thread_time()
            step()
            cpu[label].append((time.thread_time() - started_cpu) * 1000)
            wall[label].append((time.perf_counter() - started) * 1000)
    return {
        label: (statistics.median(wall[label]), statistics.median(cpu[label])) for label in steps
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--per-account", type=int, default=1000, help="CRM accounts per account")
    args = parser.parse_args()

    setup_test_environment()
    settings.DEBUG = False
    connection.settings_dict["CONN_MAX_AGE"] = None  # kept connections, as in production
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
            run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def run(args) -> None:
    accounts, raw = build(per_account=10)
    account = accounts[0]
    client = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    target = CrmAccount.objects.filter(account=account).order_by("pk").first()
    task = {"title": "Follow up", "priority": "high", "crm_account": target.pk}

    def steps(page_size: int) -> dict[str, Callable]:
        app_list = f"/api/v1/crm/account/?kind=customer&page_size={page_size}"
        bare_list = f"/bench/records?account_id={account.pk}&kind=customer&page_size={page_size}"
        app_create = request(client, "post", "/api/v1/task/task/", bearer, 201, task)
        return {
            "bare view: list": request(client, "get", bare_list, {}, 200),
            "app token: list": request(client, "get", app_list, bearer, 200),
            "bare view: create": request(
                client, "post", f"/bench/records?account_id={account.pk}", {}, 201, task
            ),
            "app token: create": app_create,
            "app token: create, no event": without_events(app_create),
        }

    # The bare view answers what the API answers.
    measured = steps(50)
    listed_app = measured["app token: list"]().json()["results"]
    listed_bare = measured["bare view: list"]().json()["results"]
    assert listed_app == listed_bare and listed_app, "the bare list answers the API's page"
    made = measured["app token: create"]().json()
    made_bare = measured["bare view: create"]().json()
    strip = ("id", "created_at", "updated_at")
    assert {k: v for k, v in made.items() if k not in strip} == {
        k: v for k, v in made_bare.items() if k not in strip
    }, "the bare create answers the API's record"
    events = ChangeEvent.objects.count()
    measured["app token: create, no event"]()
    assert ChangeEvent.objects.count() == events, "the event write is off"

    counts = {}
    for label in ("small", "large"):
        if label == "large":
            add_records(accounts, args.per_account - 10)
        for size in (10, 50):
            for name, step in steps(size).items():
                counts[(label, size, name)] = queries_of(step)
    total = CrmAccount.objects.count()
    print(f"database: {connection.vendor}; {args.rounds} interleaved rounds; DEBUG off")
    print(f"queries per request (1,000 records / {total:,} records; page of 10 / 50):")
    constant = True
    for name in steps(50):
        found = [
            len(counts[(label, size, name)]) for label in ("small", "large") for size in (10, 50)
        ]
        constant &= len(set(found)) == 1
        print(f"  {name:<30} {' / '.join(str(n) for n in found)}")
    print(f"  constant in rows: {'yes' if constant else 'NO'}")
    for name in ("app token: list", "app token: create"):
        print(f"  {name}: {'; '.join(counts[('large', 50, name)])}")

    result = timed(steps(50), args.rounds)
    print(f"medians over {args.rounds} rounds, {total:,} CRM accounts, pages of 50")
    print(f"  {'measure':<30} {'wall':>9} {'CPU':>9}")
    for name, (wall, cpu) in result.items():
        print(f"  {name:<30} {wall:>7.3f}ms {cpu:>7.3f}ms")

    def ratio(a: str, b: str) -> str:
        (wa, ca), (wb, cb) = result[a], result[b]
        return f"{wa / wb:.2f}x wall, {ca / cb:.2f}x CPU"

    print(
        f"  list:   app / bare      {ratio('app token: list', 'bare view: list')} (target <= 1.30)"
    )
    created = ratio("app token: create", "bare view: create")
    print(f"  create: app / bare      {created} (target <= 1.30)")
    print(
        "  create: with / without event "
        f"{ratio('app token: create', 'app token: create, no event')} (target <= 1.10)"
    )
    print(f"tasks made: {Task.objects.count()}")


if __name__ == "__main__":
    main()
