"""Helpers of the generated access matrix: the five operations of a registration, what
each needs, and a snapshot of its rows to prove a refusal changed nothing."""

from dataclasses import dataclass

from tests.apps.api.helpers import API
from tests.apps.modules.records import create_payload, make_record

LEVEL_RANK = {"none": 0, "read": 1, "full": 2}


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    detail: bool
    need: str  # "read" or "full"
    status: int

    def call(self, client, registration, account, record=None, **headers):
        url = f"{API}/{registration.path}/"
        if self.detail:
            url += f"{record.pk}/"
        if self.name == "create":
            return client.post(url, create_payload(registration, account), format="json", **headers)
        if self.name == "update":
            return client.patch(url, {}, format="json", **headers)
        return getattr(client, self.method)(url, **headers)


OPS = (
    Op("list", "get", False, "read", 200),
    Op("retrieve", "get", True, "read", 200),
    Op("create", "post", False, "full", 201),
    Op("update", "patch", True, "full", 200),
    Op("delete", "delete", True, "full", 204),
)


def rows(registration) -> list:
    """The model's rows and every change event: a refusal changes neither."""
    from apps.modules.models import ChangeEvent

    model = registration.model
    records = list(model.objects.order_by("pk").values_list("pk", "account_id", "revision"))
    return [records, list(ChangeEvent.objects.values_list("pk", flat=True))]


def fresh(registration, account):
    return make_record(registration.model, account)


def check_allowed(op: Op, response, registration, account, record, other_record) -> None:
    """The allowed call did what it says, in ``account`` only."""
    assert response.status_code == op.status, response.content
    model = registration.model
    if op.name == "list":
        ids = [row["id"] for row in response.json()["results"]]
        assert record.pk in ids
        assert other_record.pk not in ids
    elif op.name == "retrieve":
        assert response.json()["id"] == record.pk
        assert response["ETag"] == '"1"'
    elif op.name == "create":
        created = model.objects.get(pk=response.json()["id"])
        assert created.account_id == account.pk
    elif op.name == "update":
        assert response["ETag"] == '"2"'
        assert model.objects.get(pk=record.pk).revision == 2
    else:
        assert not model.objects.filter(pk=record.pk).exists()
