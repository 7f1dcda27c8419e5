"""Two creates with one Idempotency-Key at the same instant, each in its own thread and
database connection: one record, and both answers are the same record.

PostgreSQL only: it is where two requests truly run at once.
"""

import threading

import pytest
from django.db import connection, connections

from apps.modules.models import ChangeEvent, Task
from tests.apps.api.helpers import API, api_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs PostgreSQL"),
]


def test_two_creates_with_one_key_make_one_record(account, account_key):
    for round_ in range(4):
        barrier = threading.Barrier(2)
        responses: list = [None, None]

        def run(index: int, round_=round_, barrier=barrier, responses=responses) -> None:
            try:
                client = api_client(key=account_key)
                barrier.wait(timeout=30)
                responses[index] = client.post(
                    f"{API}/task/task/",
                    {"title": f"Task {round_}"},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY=f"race-{round_}",
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

        assert [getattr(r, "status_code", r) for r in responses] == [201, 201]
        assert responses[0].json() == responses[1].json()
        assert Task.objects.filter(title=f"Task {round_}").count() == 1
        assert ChangeEvent.objects.filter(model="task.task").count() == round_ + 1
