"""Two refreshes of one refresh token at the same instant, each in its own thread with its
own database connection: one gets new tokens, the other ``invalid_grant``, never a 500.

Both requests are held once they have read the refresh token, until both have, so that
they race on the write itself (the compare-and-set) whatever the machine's load; a
request arriving after the other has written is a replay, which revokes the family
(``test_code_flow``).

PostgreSQL only: it is where two requests truly run at once (SQLite serialises writers,
so the race cannot happen there).
"""

import hashlib
import threading
from typing import Any

import pytest
from django.db import connection, connections

from apps.oauth import issuing
from apps.oauth.models import AccessToken, RefreshToken
from tests.apps.oauth.conftest import install, tokens_for
from tests.factories.oauth import api_get, refresh

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real refresh race needs PostgreSQL"
    ),
]

ROUNDS = 4
CONTENDERS = 2


@pytest.fixture
def read_together(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Holds each refresh before its write until every contender has read its token."""
    barrier = threading.Barrier(CONTENDERS)

    def held(write: Any) -> Any:
        def run(**kwargs: Any) -> Any:
            if isinstance(kwargs.get("spend", kwargs.get("refresh_token")), RefreshToken):
                barrier.wait(timeout=30)
            return write(**kwargs)

        return run

    monkeypatch.setattr(issuing, "pair_write", held(issuing.pair_write))
    monkeypatch.setattr(issuing, "refresh_token_rotate_out", held(issuing.refresh_token_rotate_out))
    return barrier


def _race(published: Any, refresh_token: str, read_together: threading.Barrier) -> list[Any]:
    barrier = threading.Barrier(CONTENDERS)
    read_together.reset()
    responses: list[Any] = [None] * CONTENDERS

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = refresh(published.client_id, published.secret, refresh_token)
        except BaseException as exc:  # asserted on below
            responses[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_concurrent_refresh_gives_one_success_and_one_invalid_grant(
    client_for, admin, account, published, read_together
):
    install(published, account=account, admin=admin)
    for _ in range(ROUNDS):
        tokens = tokens_for(client_for(admin), published)
        responses = _race(published, tokens["refresh_token"], read_together)

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 400], [getattr(r, "content", r) for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        loser = next(r for r in responses if r.status_code == 400).json()
        assert loser["error"] == "invalid_grant"
        assert loser["error_description"] == "The refresh token was already used."
        family = RefreshToken.objects.get(token_checksum=_sha256(tokens["refresh_token"]))
        live = RefreshToken.objects.filter(token_family=family.token_family, revoked__isnull=True)
        assert [t.token_checksum for t in live] == [_sha256(winner["refresh_token"])]
        assert api_get("/api/v1/users/me", winner["access_token"]).status_code == 200
        assert AccessToken.objects.filter(token_checksum=_sha256(winner["access_token"])).exists()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
