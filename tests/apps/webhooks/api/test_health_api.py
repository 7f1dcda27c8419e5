"""The subscriptions' health in the API: the developer lists it and enables a disabled
subscription (optionally replaying what failed); the account's admin enables one of an
installed app (its access matrix: test_installation_api.py)."""

import pytest

from apps.jobs.models import Job
from apps.webhooks.models import Delivery, SubscriptionHealth
from tests.apps.api.helpers import API, assert_error
from tests.apps.catalog.api.helpers import persona_client

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Job.objects.order_by("pk").values_list("pk", "state")),
        list(Delivery.objects.order_by("pk").values_list("pk", "status", "replays")),
        list(SubscriptionHealth.objects.order_by("pk").values_list("pk", "state", "enabled_at")),
    )


def _admin_url(d):
    return (
        f"{API}/installations/{d['installation'].pk}/webhooks/{d['health'].subscription_id}/enable"
    )


def test_the_developer_lists_health_and_enables_with_a_replay(request, disabled):
    client = persona_client(request, "other_developer")
    code = disabled["app"].code

    listed = client.get(f"{API}/apps/{code}/webhooks/subscriptions?health=disabled").json()
    assert [(s["webhook"], s["health"], s["account"]) for s in listed["results"]] == [
        ("crm-account-created", "disabled", "acme")
    ]
    bad = client.get(f"{API}/apps/{code}/webhooks/subscriptions?health=sick")
    assert_error(bad, 400, "invalid", fields={"health"})

    url = f"{API}/apps/{code}/webhooks/subscriptions/{disabled['health'].subscription_id}/enable"
    response = client.post(url, {"replay": True}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["health"] == "healthy" and body["job"] is not None
    assert Job.objects.get(pk=body["job"]).account == disabled["app"].account
    # Enabled already: a second call is refused and changes nothing.
    before = _snapshot()
    assert_error(client.post(url, {}, format="json"), 409, "conflict")
    assert _snapshot() == before


def test_the_admin_enables_without_a_replay(request, disabled, account):
    response = persona_client(request, "admin").post(_admin_url(disabled), {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["job"] is None
    disabled["health"].refresh_from_db()
    assert disabled["health"].state == "healthy"
    assert disabled["health"].enabled_by == "admin@acme.test"


def test_the_admin_replay_job_is_the_admins_accounts(request, disabled, account):
    response = persona_client(request, "admin").post(
        _admin_url(disabled), {"replay": True}, format="json"
    )

    assert Job.objects.get(pk=response.json()["job"]).account == account


def test_the_admin_endpoint_allows_the_accounts_api_key(request, disabled):
    response = persona_client(request, "api_key").post(_admin_url(disabled), {}, format="json")

    assert response.status_code == 200, response.content
