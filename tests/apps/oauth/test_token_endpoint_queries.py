"""What one code exchange and one refresh cost in queries, pinned so that a regression
shows: each grant reads its client once and its code (or refresh token) once, with
everything it checks and issues from, then spends the code (or rotates the refresh token
out) and writes the new pair in one transaction, and never reads the new token back. On
PostgreSQL the writes are one statement (``apps.oauth.tokens.pair_write``).

Tests run in a transaction, so the grant's own transaction shows as one savepoint."""

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from oauth2_provider.signals import app_authorized

from apps.oauth.models import AccessToken, Grant, RefreshToken
from apps.oauth.selectors import token_checksum
from tests.apps.oauth.conftest import code_for, install
from tests.factories.oauth import authorize_url, exchange, pkce_pair, refresh

pytestmark = pytest.mark.django_db

CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class Statements(list[str]):
    """The SQL of every statement run inside the block, as sent (Django logs a statement
    sent with server-side binding, a prepared lookup, as ``None``)."""

    def __enter__(self) -> "Statements":
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)

    def _record(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.append(sql)
        return execute(sql, params, many, context)


def _shape(statements: list[str]) -> list[str]:
    """Each statement as its verb and table (or the transaction control word)."""
    shape = []
    for sql in statements:
        if sql.startswith(CONTROL):
            shape.append(sql.split(' "', 1)[0])
            continue
        verb = sql.split(" ", 1)[0]
        table = sql.split('"', 2)[1]
        shape.append(f"{verb} {table}")
    return shape


@pytest.fixture
def code(client_for, admin, member, account, published, sales_role) -> dict[str, str]:
    """A code issued to a member who reaches the app through their role (not an admin:
    the refresh check then reads the access rules)."""
    install(published, account=account, admin=admin, roles=[sales_role.pk])
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(member), authorize_url(published.client_id, challenge=challenge))
    return {"code": callback["code"], "verifier": verifier}


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def test_a_code_exchange_is_five_queries_in_one_transaction(published, code):
    with Statements() as statements:
        response = exchange(published.client_id, published.secret, code["code"], code["verifier"])

    assert response.status_code == 200, response.content
    if _postgresql():
        # The compare-and-set and both inserts, one statement of data-modifying CTEs.
        assert _shape(statements) == [
            "SELECT oauth_application",
            "SELECT oauth_grant",
            "WITH oauth_grant",
        ]
        update = statements[2]
        assert 'INSERT INTO "oauth_accesstoken"' in update
        assert 'INSERT INTO "oauth_refreshtoken"' in update
    else:
        assert _shape(statements) == [
            "SELECT oauth_application",
            "SELECT oauth_grant",
            "SAVEPOINT",
            "UPDATE oauth_grant",
            "INSERT oauth_accesstoken",
            "INSERT oauth_refreshtoken",
            "RELEASE SAVEPOINT",
        ]
        update = statements[3]
    # The code is spent by a compare-and-set inside that transaction.
    assert '"consumed_at" IS NULL' in update
    assert Grant.objects.get().consumed_at is not None
    issued = AccessToken.objects.get(token_checksum=token_checksum(response.json()["access_token"]))
    renewal = RefreshToken.objects.get(
        token_checksum=token_checksum(response.json()["refresh_token"])
    )
    assert renewal.access_token_id == issued.pk
    assert renewal.revoked is None
    assert issued.installation_id is not None and issued.membership_id is not None
    assert issued.expires > timezone.now()


def test_a_refresh_is_seven_queries_in_one_transaction(published, code):
    tokens = exchange(published.client_id, published.secret, code["code"], code["verifier"]).json()

    with Statements() as statements:
        response = refresh(published.client_id, published.secret, tokens["refresh_token"])

    assert response.status_code == 200, response.content
    reads = [
        "SELECT oauth_application",
        "SELECT oauth_refreshtoken",
        # token_refusal's facts: installation, account, user, membership, access rules.
        "SELECT oauth_refreshtoken",
    ]
    if _postgresql():
        assert _shape(statements) == [*reads, "WITH oauth_refreshtoken"]
        rotation = statements[3]
        assert 'DELETE FROM "oauth_accesstoken"' in rotation
    else:
        assert _shape(statements) == [
            *reads,
            "SAVEPOINT",
            "UPDATE oauth_refreshtoken",
            "DELETE oauth_accesstoken",
            "INSERT oauth_accesstoken",
            "INSERT oauth_refreshtoken",
            "RELEASE SAVEPOINT",
        ]
        rotation = statements[4]
    # Rotated out by a compare-and-set on ``revoked``; the old access token is gone.
    assert '"revoked" IS NULL' in rotation
    assert not AccessToken.objects.filter(token_checksum=token_checksum(tokens["access_token"]))
    old = RefreshToken.objects.get(token_checksum=token_checksum(tokens["refresh_token"]))
    assert old.revoked is not None
    assert old.access_token_id is None
    new = RefreshToken.objects.get(token_checksum=token_checksum(response.json()["refresh_token"]))
    issued = AccessToken.objects.get(token_checksum=token_checksum(response.json()["access_token"]))
    assert new.access_token_id == issued.pk
    assert new.token_family == old.token_family
    assert issued.source_refresh_token_id == old.pk


def test_the_issued_token_is_announced_without_reading_it_back(published, code):
    announced: list[Any] = []

    def receiver(sender: Any, request: Any, token: Any, **kwargs: Any) -> None:
        announced.append(token)

    app_authorized.connect(receiver)
    try:
        response = exchange(published.client_id, published.secret, code["code"], code["verifier"])
        renewed = refresh(published.client_id, published.secret, response.json()["refresh_token"])
    finally:
        app_authorized.disconnect(receiver)

    assert [t.token_checksum for t in announced] == [
        token_checksum(response.json()["access_token"]),
        token_checksum(renewed.json()["access_token"]),
    ]
    assert all(t.pk is not None and t.installation_id is not None for t in announced)
