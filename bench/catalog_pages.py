"""Cost of the list pages as the catalog grows: the public catalog (page and API), the
moderation queue and a developer's app list, with 50 rows and then with many.

Each list is paginated and its query count must not grow with the rows; this prints, for
each list, the median time of one request and its query count at the small size (the
baseline, measured in the same run) and at the large one, with the ratio of the two.

    .venv/bin/python bench/catalog_pages.py [--rows N] [--rounds R]

It builds its data through the services in a throwaway SQLite database under var/.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-catalog.sqlite3").resolve()))

import django

django.setup()

from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_test_environment,
    teardown_test_environment,
)

from apps.accounts.actors import actor_system  # noqa: E402
from apps.accounts.models import Account, Membership, User  # noqa: E402
from apps.catalog.models import VersionStatus  # noqa: E402
from apps.catalog.policies import Party  # noqa: E402
from apps.catalog.services import (  # noqa: E402
    app_create,
    app_list_in_catalog,
    app_listing_update,
    version_create,
    version_submit,
    version_transition,
)
from tests.factories.catalog import manifest_text  # noqa: E402

PAGES = {
    "catalog page /marketplace/": ("anonymous", "/marketplace/"),
    "catalog API /api/v1/marketplace/apps": ("anonymous", "/api/v1/marketplace/apps"),
    "moderation queue /moderation/": ("moderator", "/moderation/"),
    "developer apps /developer/apps/": ("developer", "/developer/apps/"),
    "developer API /api/v1/apps": ("developer", "/api/v1/apps"),
}


def build(account: Account, start: int, count: int) -> None:
    """``count`` public apps: each listed with 1.0.0 published and 1.1.0 submitted."""
    by = actor_system(label="bench")
    for i in range(start, start + count):
        app, _ = app_create(account=account, name=f"App {i:05d}", type="public", actor=by)
        app_listing_update(
            app=app, summary=f"App number {i}", description="Does things.", support_email="a@b.co"
        )
        first = version_create(app=app, raw=manifest_text("1.0.0"), actor=by)
        for target, actor in (
            (VersionStatus.SUBMITTED, Party.DEVELOPER),
            (VersionStatus.IN_REVIEW, Party.MODERATOR),
            (VersionStatus.APPROVED, Party.MODERATOR),
            (VersionStatus.PUBLISHED, Party.DEVELOPER),
        ):
            version_transition(version=first, target=target, party=actor, actor=by)
        app_list_in_catalog(app=app)
        version_submit(
            version=version_create(app=app, raw=manifest_text("1.1.0"), actor=by), actor=by
        )


def analyze() -> None:
    """Fresh planner statistics, as a live database has them (autovacuum lags a bulk load)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(clients: dict[str, Client], rounds: int) -> dict[str, tuple[float, int]]:
    results = {}
    for label, (who, url) in PAGES.items():
        client = clients[who]
        for _ in range(3):  # warm up: templates, connection, the database's page cache
            assert client.get(url).status_code == 200, (label, url)
        times = []
        for _ in range(rounds):
            reset_queries()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[label] = (statistics.median(times), len(connection.queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="the large size (default 2000)")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    setup_test_environment()
    from django.conf import settings

    settings.DEBUG = True  # record queries
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        account = Account.objects.create(slug="bench-dev", name="Bench Developer")
        developer = User.objects.create_user("dev@bench.test", "x")
        Membership.objects.create(user=developer, account=account, is_developer=True)
        moderator = User.objects.create_user("mod@bench.test", "x", is_staff=True)
        moderator.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
        clients = {"anonymous": Client(), "developer": Client(), "moderator": Client()}
        clients["developer"].force_login(developer)
        clients["moderator"].force_login(moderator)

        small = 50
        build(account, 0, small)
        analyze()
        baseline = measure(clients, args.rounds)
        started = time.perf_counter()
        build(account, small, args.rows - small)
        print(f"built {args.rows} apps in {time.perf_counter() - started:.1f} s")
        analyze()
        large = measure(clients, args.rounds)

        print(
            f"{'list':<40} {'50 rows':>10} {'q':>3} {f'{args.rows} rows':>11} {'q':>3} {'ratio':>6}"
        )
        for label in PAGES:
            (t0, q0), (t1, q1) = baseline[label], large[label]
            print(f"{label:<40} {t0:>8.1f}ms {q0:>3} {t1:>9.1f}ms {q1:>3} {t1 / t0:>5.2f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
