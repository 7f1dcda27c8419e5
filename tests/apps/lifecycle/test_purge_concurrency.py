"""Two purges at the same moment, each on its own database connection, as two workers
would run them: both finish without an error, every row that must go is gone exactly
once and every row that must stay is there.

PostgreSQL only: the purge relies on ``FOR UPDATE SKIP LOCKED`` so two workers split
the rows between them, and SQLite has neither row locks nor concurrent writers.
"""

import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import set_token_value
from oauth2_provider.settings import oauth2_settings

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_uninstall
from apps.lifecycle.services import batches
from apps.lifecycle.services.cascade import UNINSTALL_STEPS, installation_purge
from apps.lifecycle.services.tokens import Tally, tokens_purge_expired
from apps.oauth.models import AccessToken, Grant, RefreshToken
from tests.apps.lifecycle.conftest import EXPECTED_COUNTS, FILES, counts, populate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent purges rely on row locks (FOR UPDATE SKIP "
        "LOCKED) and concurrent writers, which SQLite does not have",
    ),
]


def _at_once(work: Callable[[], Any], *, workers: int = 2) -> list[Any]:
    """Run ``work`` in ``workers`` threads released together, each with its own
    database connection. Returns their results; raises the first error any of them hit."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a purge never finished"
    if errors:
        raise errors[0]
    return results


def _ids(model: Any) -> set[int]:
    return set(model.objects.values_list("pk", flat=True))


def _tokens(model: Any, count: int, **fields: Any) -> list[Any]:
    rows = []
    for _ in range(count):
        row = model(**fields)
        set_token_value(row, secrets.token_urlsafe(24))
        rows.append(row)
    return model.objects.bulk_create(rows)


def test_two_token_purges_at_once_split_the_work(installed):
    """Each worker deletes in batches of 20 rows, so the two interleave over hundreds of
    batches; between them they delete each expired row once."""
    now = timezone.now()
    long_ago = now - timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS, days=1)
    installation = installed.installation
    common = {"user": installed.people.admin, "application": installation.app.oauth_application}
    at = {**common, "installation": installation, "scope": "users:read"}
    session = {"grants": _ids(Grant), "access": _ids(AccessToken), "refresh": _ids(RefreshToken)}

    # Must go.
    revoked = _tokens(RefreshToken, 200, **common, revoked=long_ago)
    expired_from_revoked = []
    for token in revoked:  # an expired access token issued from each revoked one
        expired_from_revoked.append(AccessToken(**at, expires=now - timedelta(hours=1)))
        expired_from_revoked[-1].source_refresh_token = token
        set_token_value(expired_from_revoked[-1], secrets.token_urlsafe(24))
    AccessToken.objects.bulk_create(expired_from_revoked)
    orphans = _tokens(RefreshToken, 200, **common)
    expired = _tokens(AccessToken, 400, **at, expires=now - timedelta(minutes=1))
    idle_access = _tokens(AccessToken, 100, **at, expires=long_ago)
    idle = [RefreshToken(**common, access_token=token) for token in idle_access]
    for token in idle:
        set_token_value(token, secrets.token_urlsafe(24))
    RefreshToken.objects.bulk_create(idle)
    old_codes = Grant.objects.bulk_create(
        Grant(
            **common,
            code=secrets.token_urlsafe(24),
            expires=now - timedelta(minutes=1),
            redirect_uri="https://invoicer.example.com/oauth/callback",
        )
        for _ in range(200)
    )
    doomed = {
        "grants": {g.pk for g in old_codes},
        "access": {t.pk for t in [*expired_from_revoked, *expired, *idle_access]},
        "refresh": {t.pk for t in [*revoked, *orphans, *idle]},
    }

    # Must stay: live pairs, expired access tokens that still have a refresh token,
    # recently revoked refresh tokens, live access tokens alone, fresh codes.
    live_access = _tokens(AccessToken, 150, **at, expires=now + timedelta(hours=1))
    refreshable = _tokens(AccessToken, 100, **at, expires=now - timedelta(days=1))
    live_refresh = [
        RefreshToken(**common, access_token=token) for token in [*live_access[:100], *refreshable]
    ]
    for token in live_refresh:
        set_token_value(token, secrets.token_urlsafe(24))
    RefreshToken.objects.bulk_create(live_refresh)
    recent = _tokens(RefreshToken, 100, **common, revoked=now - timedelta(days=1))
    fresh_codes = Grant.objects.bulk_create(
        Grant(
            **common,
            code=secrets.token_urlsafe(24),
            expires=now + timedelta(minutes=10),
            redirect_uri="https://invoicer.example.com/oauth/callback",
        )
        for _ in range(100)
    )
    kept = {
        "grants": session["grants"] | {g.pk for g in fresh_codes},
        "access": session["access"] | {t.pk for t in [*live_access, *refreshable]},
        "refresh": session["refresh"] | {t.pk for t in [*live_refresh, *recent]},
    }
    assert {"grants": _ids(Grant), "access": _ids(AccessToken), "refresh": _ids(RefreshToken)} == {
        name: kept[name] | doomed[name] for name in kept
    }

    tallies: list[Tally] = _at_once(lambda: tokens_purge_expired(batch_size=20))

    assert all(tally.complete for tally in tallies)
    assert {
        "grants": _ids(Grant),
        "access": _ids(AccessToken),
        "refresh": _ids(RefreshToken),
    } == kept
    assert sum(tally.total for tally in tallies) == sum(len(ids) for ids in doomed.values())
    # Both did some of the work.
    assert all(tally.total > 0 for tally in tallies)
    # The live access tokens issued from a purged refresh token keep no pointer to it.
    assert not AccessToken.objects.filter(
        source_refresh_token__isnull=False, source_refresh_token__revoked__lte=long_ago
    ).exists()

    # And once more, both at once, with nothing left to do.
    again: list[Tally] = _at_once(lambda: tokens_purge_expired(batch_size=20))
    assert [tally.total for tally in again] == [0, 0]
    assert {
        "grants": _ids(Grant),
        "access": _ids(AccessToken),
        "refresh": _ids(RefreshToken),
    } == kept


def test_two_purges_of_one_uninstalled_installation_at_once(installed, published, other_account):
    """An uninstall job and an app deletion reaching the same installation together:
    both complete every step, nothing of it is left, the installation next door keeps
    every row."""
    installation = installed.installation
    extra = 2 * batches.BATCH_SIZE + 100
    _tokens(
        AccessToken,
        extra,
        user=installed.people.admin,
        application=installation.app.oauth_application,
        installation=installation,
        expires=timezone.now() + timedelta(hours=1),
    )
    neighbour = populate(account=other_account, version=published.version)
    neighbour_rows = neighbour.rows()
    admin = installed.people.admin
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(
            user=admin,
            membership=Membership.objects.get(user=admin, account=installed.people.account),
        ),
    )
    assert counts(installed.rows())["access_tokens"] == EXPECTED_COUNTS["access_tokens"] + extra

    results = _at_once(lambda: installation_purge(installation_id=installation.pk))

    assert results == [len(UNINSTALL_STEPS)] * 2
    assert counts(installed.rows()) == dict.fromkeys(EXPECTED_COUNTS, 0)
    assert installed.files_exist() == [False] * FILES
    assert neighbour.rows() == neighbour_rows
    assert neighbour.files_exist() == [True] * FILES
