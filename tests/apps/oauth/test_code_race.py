"""Two exchanges of one authorization code at the same instant, each in its own thread
with its own database connection: one gets tokens, the other ``invalid_grant``, never a
500; and since the code was used twice, the tokens issued from it are revoked too
(RFC 6749 §4.1.2).

PostgreSQL only: it is where two requests truly run at once (SQLite serialises writers,
so the race cannot happen there).
"""

import hashlib
import threading
from typing import Any

import pytest
from django.db import connection, connections

from apps.oauth.models import AccessToken, Grant, RefreshToken
from tests.apps.oauth.conftest import code_for, install
from tests.factories.oauth import api_get, authorize_url, exchange, pkce_pair

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a real exchange race needs PostgreSQL"
    ),
]

ROUNDS = 4
CONTENDERS = 2


def _race(published: Any, code: str, verifier: str) -> list[Any]:
    barrier = threading.Barrier(CONTENDERS)
    responses: list[Any] = [None] * CONTENDERS

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = exchange(published.client_id, published.secret, code, verifier)
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


def test_concurrent_exchanges_of_one_code_give_one_success_and_revoke_it(
    client_for, admin, account, published
):
    install(published, account=account, admin=admin)
    for _ in range(ROUNDS):
        verifier, challenge = pkce_pair()
        callback = code_for(
            client_for(admin), authorize_url(published.client_id, challenge=challenge)
        )
        responses = _race(published, callback["code"], verifier)

        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200, 400], [getattr(r, "content", r) for r in responses]
        loser = next(r for r in responses if r.status_code == 400).json()
        assert loser["error"] == "invalid_grant"
        winner = next(r for r in responses if r.status_code == 200).json()
        # The loser wrote nothing; the winner's tokens went with the code's reuse.
        grant = Grant.objects.get(pk=_last_grant())
        assert grant.consumed_at is not None
        family = RefreshToken.objects.filter(token_family=grant.token_family)
        assert family.count() == 1
        assert not family.filter(revoked__isnull=True).exists()
        assert not AccessToken.objects.filter(token_checksum=_sha256(winner["access_token"]))
        assert api_get("/api/v1/users/me", winner["access_token"]).status_code == 401


def _last_grant() -> int:
    return Grant.objects.order_by("-pk").values_list("pk", flat=True)[0]


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
