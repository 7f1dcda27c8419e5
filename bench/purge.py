"""The periodic token purge against django-oauth-toolkit's own ``cleartokens``, on the
same data built twice.

The data mirror the reference measurement (``--tokens`` access tokens, default
1,000,000, and half as many refresh tokens), spread over 1,000 users of one app:

- 36 % access tokens expired a day ago, without a refresh token: deleted;
- 34 % access tokens expired 400 days ago (longer than the refresh lifetime), each with
  its idle refresh token: both deleted;
- 9 % live access tokens with their live refresh token, 21 % live without one: kept;
- refresh tokens without an access token: 4 % (of the access-token count) revoked 400
  days ago and 2 % orphans, deleted; 1 % revoked a day ago, kept so a replay is still
  recognised.

So 700,000 access tokens and 400,000 refresh tokens go, and 300,000 and 100,000 stay.
Rows are inserted with one ``INSERT ... SELECT`` per kind (``generate_series`` on
PostgreSQL, a recursive CTE on SQLite) with fixed ids, so both copies are identical.
The script times ``manage.py cleartokens`` (``CLEAR_EXPIRED_TOKENS_BATCH_SIZE``), then
on a fresh copy ``tokens_purge_expired`` at ``LIFECYCLE_PURGE_BATCH_SIZE`` (what the
periodic task runs) and, on a third copy, at the toolkit's batch size; it checks all
three leave exactly the same rows and prints the ratios.

    .venv/bin/python bench/purge.py [--tokens N]

Runs on a throwaway SQLite database under var/, or on PostgreSQL with ``DATABASE_URL``
set (the test database ``test_<name>`` is created and dropped).
"""

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("TEST_SQLITE_PATH", str(Path("var/bench-purge.sqlite3").resolve()))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.settings import oauth2_settings  # noqa: E402

from apps.accounts.actors import actor_system  # noqa: E402
from apps.accounts.models import Account, User  # noqa: E402
from apps.catalog.services import app_create  # noqa: E402
from apps.lifecycle.services.tokens import tokens_purge_expired  # noqa: E402
from apps.oauth.models import AccessToken, RefreshToken  # noqa: E402

USERS = 1000


def insert_series(count: int, sql: str, params: Mapping[str, Any]) -> None:
    """Run ``INSERT ... SELECT ... FROM s`` with ``s(i)`` the integers 0 .. count-1."""
    if count <= 0:
        return
    if connection.vendor == "postgresql":
        statement = sql.replace("FROM s", "FROM generate_series(0, %(last)s) AS s(i)")
    else:
        statement = (
            "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s "
            "WHERE i < %(last)s) " + sql
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, {**params, "last": count - 1})


def build(tokens: int, *, user0: int, application_id: int, now: datetime) -> None:
    """The data described above, with ids 1 .. ``tokens`` for access tokens and their
    refresh tokens (same id), and the refresh tokens without one after them."""
    tokens -= tokens % 100
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "user0": user0,
        "users": USERS,
        "app": application_id,
        "now": adapt(now),
        "day_ago": adapt(now - timedelta(days=1)),
        "long_ago": adapt(now - timedelta(days=400)),
        "tomorrow": adapt(now + timedelta(days=1)),
    }
    at = connection.ops.quote_name(AccessToken._meta.db_table)
    rt = connection.ops.quote_name(RefreshToken._meta.db_table)
    with transaction.atomic():
        insert_series(
            tokens,
            f"INSERT INTO {at} (id, user_id, token, token_checksum, application_id, expires, "
            "scope, resource, created, updated) "
            "SELECT i + 1, %(user0)s + i %% %(users)s, '', 'at-' || i, %(app)s, "
            "CASE WHEN i %% 100 < 36 THEN %(day_ago)s WHEN i %% 100 < 70 THEN %(long_ago)s "
            "ELSE %(tomorrow)s END, 'users:read', '[]', %(now)s, %(now)s FROM s",
            params,
        )
        insert_series(
            tokens,
            f"INSERT INTO {rt} (id, user_id, token, token_checksum, application_id, "
            "access_token_id, resource, created, updated) "
            "SELECT i + 1, %(user0)s + i %% %(users)s, '', 'rt-' || i, %(app)s, i + 1, '[]', "
            "%(now)s, %(now)s FROM s WHERE i %% 100 >= 36 AND i %% 100 < 79",
            params,
        )
        # Per 7: 4 revoked long ago, 2 orphans, 1 revoked yesterday.
        insert_series(
            tokens * 7 // 100,
            f"INSERT INTO {rt} (id, user_id, token, token_checksum, application_id, "
            "resource, created, updated, revoked) "
            f"SELECT {tokens} + i + 1, %(user0)s + i %% %(users)s, '', 'rtx-' || i, %(app)s, "
            "'[]', %(now)s, %(now)s, CASE WHEN i %% 7 < 4 THEN %(long_ago)s "
            "WHEN i %% 7 < 6 THEN NULL ELSE %(day_ago)s END FROM s",
            params,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {at}")
            cursor.execute(f"ANALYZE {rt}")


def clear() -> None:
    at = connection.ops.quote_name(AccessToken._meta.db_table)
    rt = connection.ops.quote_name(RefreshToken._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {rt}, {at}")
        else:
            with transaction.atomic():
                cursor.execute(f"DELETE FROM {rt}")
                cursor.execute(f"DELETE FROM {at}")


def counts() -> tuple[int, int]:
    return AccessToken.objects.count(), RefreshToken.objects.count()


def survivors() -> tuple[list[int], list[tuple[int, int | None]]]:
    """The rows left: access token ids, and refresh token ids with their access token."""
    return (
        list(AccessToken.objects.order_by("pk").values_list("pk", flat=True)),
        list(RefreshToken.objects.order_by("pk").values_list("pk", "access_token_id")),
    )


def timed(label: str, run: Callable[[], object], setup: Callable[[], None]) -> tuple[float, int]:
    setup()
    before = counts()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    after = counts()
    deleted = sum(before) - sum(after)
    print(f"{label:<52} {seconds:>9.1f} s {deleted:>11,} rows {deleted / seconds:>10,.0f} rows/s")
    return seconds, deleted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tokens", type=int, default=1_000_000, help="access tokens (a multiple of 100)"
    )
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        developer = Account.objects.create(slug="bench-developer", name="Bench Developer")
        app, _secret = app_create(
            account=developer, name="Purge", type="private", actor=actor_system(label="bench")
        )
        users = User.objects.bulk_create(
            [User(email=f"user{i}@purge.bench", password="!") for i in range(USERS)]
        )
        user0 = users[0].pk
        assert [u.pk for u in users] == list(range(user0, user0 + USERS)), "user ids not dense"
        now = timezone.now()

        def setup() -> None:
            clear()
            started = time.perf_counter()
            build(args.tokens, user0=user0, application_id=app.oauth_application_id, now=now)
            at, rt = counts()
            print(
                f"  built {at:,} access and {rt:,} refresh tokens in "
                f"{time.perf_counter() - started:.1f} s"
            )

        dot_batch = oauth2_settings.CLEAR_EXPIRED_TOKENS_BATCH_SIZE
        our_batch = settings.LIFECYCLE_PURGE_BATCH_SIZE
        print(f"database: {connection.vendor}")
        dot_seconds, dot_deleted = timed(
            f"cleartokens (batch {dot_batch})", lambda: call_command("cleartokens"), setup
        )
        dot_left = survivors()
        ours_seconds, ours_deleted = timed(
            f"tokens_purge_expired (batch {our_batch})",
            lambda: tokens_purge_expired(batch_size=our_batch),
            setup,
        )
        ours_left = survivors()
        same_seconds, same_deleted = timed(
            f"tokens_purge_expired (batch {dot_batch}, as cleartokens)",
            lambda: tokens_purge_expired(batch_size=dot_batch),
            setup,
        )
        same_left = survivors()
        assert dot_deleted == ours_deleted == same_deleted, "different numbers of rows deleted"
        assert dot_left == ours_left == same_left, "cleartokens and the purge left different rows"
        print(
            f"same rows left by all three: {len(dot_left[0]):,} access and "
            f"{len(dot_left[1]):,} refresh tokens"
        )
        print(
            f"cleartokens / purge: {dot_seconds / ours_seconds:.1f}x at batch {our_batch}, "
            f"{dot_seconds / same_seconds:.1f}x at batch {dot_batch} (target: 3x)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
