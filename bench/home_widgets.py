"""What the account's home costs with N dashboard widgets: each widget's frame launched
eagerly (a launch token signed with ES256 for each while the page renders, as the home
did before) against lazily (a signed launch URL, an HMAC, for each; the token is signed
when the browser loads the frame, at ``console:embedding:launch``), measured in the same
run, interleaved round by round.

It prints, for the home page alone, the median wall time and CPU time (this process:
the view, the templates, the signing; the database too on SQLite), the queries and the
ES256 signatures of one request, with the ratio lazy / eager; then the lazy home plus
the N frame loads that follow it in a browser, so what moved out of the page is counted
too.

    .venv/bin/python bench/home_widgets.py [--widgets N] [--rounds R]

It builds its data through the services in a throwaway SQLite database under var/ (or
PostgreSQL, ``test_<name>``, with DATABASE_URL set).
"""

import argparse
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-home-widgets.sqlite3").resolve()))

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

import console.embedding.frames as frames  # noqa: E402
import console.views  # noqa: E402
from apps.accounts.models import Account, Membership, User  # noqa: E402
from apps.embedding.policies import DASHBOARD_WIDGET  # noqa: E402
from apps.embedding.selectors import placement_list_for  # noqa: E402
from console.access import request_actor  # noqa: E402
from console.embedding.menu import widgets_for  # noqa: E402
from tests.factories import make_app, make_version  # noqa: E402
from tests.factories.installations import make_installation  # noqa: E402

SIGNED = {"count": 0}
_issue = frames.launch_token_issue


def counted_issue(**kwargs: Any) -> Any:
    SIGNED["count"] += 1
    return _issue(**kwargs)


def eager_widgets(request: HttpRequest) -> list[dict[str, Any]]:
    """The home's widgets as they were: each frame's launch token signed now."""
    actor = request_actor(request)
    return [
        frames.frame_for(request, actor=actor, placement=placement)
        for placement in placement_list_for(
            actor=actor, location=DASHBOARD_WIDGET, host_origin=frames.host_origin(request)
        )
    ]


def build(widgets: int) -> User:
    vendor = Account.objects.create(slug="bench-vendor", name="Vendor")
    account = Account.objects.create(slug="bench-home", name="Home")
    admin = User.objects.create_user("admin@bench.test", "x")
    Membership.objects.create(user=admin, account=account, is_admin=True)
    for i in range(widgets):
        app = make_app(account=vendor, name=f"Widget app {i}")
        version = make_version(
            app=app,
            status="published",
            scopes=[{"code": "crm.accounts", "level": "read", "reason": "Counts."}],
            webhooks=[],
            embeddings=[
                {
                    "id": "widget",
                    "location": "dashboard.widget",
                    "code": f"w{i}.home",
                    "url": f"https://widget{i}.example.com/home",
                    "title": f"Widget {i}",
                }
            ],
        )
        make_installation(account=account, version=version, by_user=admin)
    return admin


def home(client: Client) -> tuple[float, float, int, int, str]:
    reset_queries()
    SIGNED["count"] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get("/")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200
    return (
        wall * 1000,
        cpu * 1000,
        len(connection.queries),
        SIGNED["count"],
        response.content.decode(),
    )


def launches(client: Client, page: str) -> tuple[float, float, int, int]:
    """The lazy home's frames, loaded as a browser does (each answers a redirect)."""
    srcs = [html.unescape(s) for s in re.findall(r'data-launch-url="([^"]+)"', page)]
    SIGNED["count"] = 0
    queries = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for src in srcs:
        assert client.get(src).status_code == 302
        queries += len(connection.queries)  # Django starts each request's list afresh
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return wall * 1000, cpu * 1000, queries, SIGNED["count"]


def median(rows: list[tuple], i: int) -> float:
    return statistics.median(row[i] for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widgets", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    setup_test_environment()
    from django.conf import settings

    settings.DEBUG = True  # record queries
    frames.launch_token_issue = counted_issue
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        client = Client()
        client.force_login(build(args.widgets))
        eager, lazy, loads = [], [], []
        for round_ in range(args.rounds + 3):  # 3 rounds of warm-up
            console.views.widgets_for = eager_widgets
            e = home(client)
            console.views.widgets_for = widgets_for
            z = home(client)
            assert e[4].count("launch_token=") == args.widgets
            assert z[4].count("data-launch-url=") == args.widgets
            assert "launch_token=" not in z[4]
            f = launches(client, z[4])
            if round_ >= 3:
                eager.append(e[:4])
                lazy.append(z[:4])
                loads.append(f)
        print(
            f"{args.widgets} widgets, median of {args.rounds} rounds, {connection.vendor}, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'':<36}{'wall':>10}{'CPU':>10}{'queries':>9}{'ES256':>7}")
        for label, rows in (
            ("home, eager (before)", eager),
            ("home, lazy (now)", lazy),
            (f"the {args.widgets} frame loads after it", loads),
        ):
            print(
                f"{label:<36}{median(rows, 0):>8.1f}ms{median(rows, 1):>8.1f}ms"
                f"{median(rows, 2):>9.0f}{median(rows, 3):>7.0f}"
            )
        print(
            f"home lazy / eager: wall {median(lazy, 0) / median(eager, 0):.2f}x, "
            f"CPU {median(lazy, 1) / median(eager, 1):.2f}x"
        )
        total = [z[1] + f[1] for z, f in zip(lazy, loads, strict=True)]
        print(
            f"lazy home + frame loads / eager home, CPU: "
            f"{statistics.median(total) / median(eager, 1):.2f}x"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
