"""Two PATCHes of one record with the same If-Match at the same instant, each in its own
thread with its own database connection: exactly one applies, the other gets 409
``precondition_failed``, and the record holds the winner's change at the next revision.

PostgreSQL only: it is where two requests truly run at once (SQLite serialises writers).
"""

import threading

import pytest
from django.db import connection, connections

from apps.modules.models import CrmAccount
from tests.apps.api.helpers import API, api_client
from tests.apps.modules.records import make_record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]

ROUNDS = 4


def _race(url: str, key: str, tag: str) -> list:
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def run(index: int) -> None:
        try:
            client = api_client(key=key)
            barrier.wait(timeout=30)
            responses[index] = client.patch(
                url, {"name": f"Writer {index}"}, format="json", HTTP_IF_MATCH=tag
            )
        except BaseException as exc:  # asserted on below
            responses[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_two_patches_of_one_revision_give_one_change_and_one_409(account, account_key):
    record = make_record(CrmAccount, account, name="Initech")
    url = f"{API}/crm/account/{record.pk}/"
    for round_ in range(ROUNDS):
        tag = api_client(key=account_key).get(url)["ETag"]

        responses = _race(url, account_key, tag)

        statuses = sorted(getattr(r, "status_code", r) for r in responses)
        assert statuses == [200, 409], [getattr(r, "content", r) for r in responses]
        winner = next(r for r in responses if r.status_code == 200)
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "precondition_failed"
        stored = CrmAccount.objects.get(pk=record.pk)
        assert stored.revision == round_ + 2
        assert stored.name == winner.json()["name"]
