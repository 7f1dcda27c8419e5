"""The subscriptions' health in the API: the developer lists it and enables a disabled
subscription (optionally replaying what failed); the account's admin enables one of an
installed app. Access matrix of the admin's endpoint: anonymous 401, members and
developers without the admin right (in either account) 403, another account's admin and
platform staff 404; every denial changes nothing."""

import pytest

from apps.jobs.models import Job
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import events_fan_out
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import persona_client
from tests.apps.webhooks.conftest import change, hooks_for
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def disabled(account, admin, other_account):
    """An app of ``other_account`` installed on ``account``, its ``created`` subscription
    disabled with one failed delivery."""
    app = make_app(account=other_account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
        webhooks=hooks_for("https://receiver.example.com/hooks", "crm.account.created"),
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get()
    Delivery.objects.update(status=Delivery.Status.FAILED, finished_at=delivery.created_at)
    health = SubscriptionHealth.objects.create(
        subscription_id=delivery.subscription_id,
        installation=installation,
        state=SubscriptionHealth.State.DISABLED,
        failing_since=delivery.created_at,
        disabled_at=delivery.created_at,
    )
    return {"app": app, "installation": installation, "health": health}


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


@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("member", 403, "permission_denied"),
        ("developer", 403, "permission_denied"),
        ("other_developer", 403, "permission_denied"),  # no admin right in their account
        ("outsider", 404, "not_found"),
        ("moderator", 404, "not_found"),
        ("staff", 404, "not_found"),
        ("other_api_key", 404, "not_found"),
    ],
)
def test_the_admin_endpoint_refuses_others(request, disabled, persona, status, code):
    before = _snapshot()
    client = api_client() if persona == "anonymous" else persona_client(request, persona)

    assert_error(client.post(_admin_url(disabled), {"replay": True}, format="json"), status, code)
    assert _snapshot() == before


def test_the_admin_endpoint_allows_the_accounts_api_key(request, disabled):
    response = persona_client(request, "api_key").post(_admin_url(disabled), {}, format="json")

    assert response.status_code == 200, response.content
