"""The account admin's webhooks API of an installed app: each subscription with its health
(state, last success, last failure, failing since), and enabling a disabled one again
with the optional replay, as the installed app's page allows (not while the app is being
uninstalled or deleted).

Access matrix of every endpoint: the account's admin and API key may; anonymous 401;
members and developers without the admin right (in either account) 403; another
account's admin and key, and platform staff 404. Every denial changes nothing."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import get_resolver

from apps.catalog.models import App, AppStatus
from apps.installations.models import Installation, InstallationStatus
from apps.jobs.models import Job
from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import events_fan_out
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import persona_client
from tests.apps.webhooks.conftest import SCOPES, change, hooks_for, rename
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "webhook",
    "event",
    "url",
    "health",
    "failing_since",
    "last_success_at",
    "last_failure_at",
    "at_risk_at",
    "disabled_at",
    "enabled_at",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {installation}, {subscription}
    data: dict | None = None

    def call(self, client, d):
        url = API + self.path.format(
            installation=d["installation"].pk, subscription=d["health"].subscription_id
        )
        extra = {"data": self.data, "format": "json"} if self.data is not None else {}
        return getattr(client, self.method)(url, **extra)

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


ONE = "/installations/{installation}/webhooks"
ENDPOINTS = [
    Endpoint("installation_subscription-list", "get", ONE),
    Endpoint("installation_subscription-detail", "get", ONE + "/{subscription}"),
    Endpoint(
        "installation_subscription-enable", "post", ONE + "/{subscription}/enable", {"replay": True}
    ),
]


def _snapshot():
    return (
        list(Job.objects.order_by("pk").values_list("pk", "state")),
        list(Delivery.objects.order_by("pk").values_list("pk", "status", "replays")),
        list(
            SubscriptionHealth.objects.order_by("pk").values_list(
                "pk", "state", "failing_since", "enabled_at", "enabled_by"
            )
        ),
        list(Installation.objects.order_by("pk").values_list("pk", "status")),
    )


def _url(d, suffix=""):
    return f"{API}/installations/{d['installation'].pk}/webhooks{suffix}"


def test_every_admin_route_has_a_row():
    namespace = get_resolver().namespace_dict["api"][1].namespace_dict["webhooks"][1]
    names = {p.name for p in namespace.url_patterns if p.name.startswith("installation_")}

    assert names == {e.name for e in ENDPOINTS}


@pytest.fixture
def two_subscriptions(account, admin, other_account):
    """An app of ``other_account`` installed on ``account``, subscribed to ``created``
    (disabled, its delivery failed) and ``updated`` (its delivery succeeded)."""
    app = make_app(account=other_account, name="Hooked twice")
    version = make_version(
        app=app,
        status="published",
        scopes=SCOPES,
        webhooks=hooks_for("https://receiver.example.com/hooks"),
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    rename(change(account), "Umbrella")
    events_fan_out()
    failed = Delivery.objects.get(installation=installation, event_type="crm.account.created")
    ok = Delivery.objects.get(installation=installation, event_type="crm.account.updated")
    Delivery.objects.filter(pk=failed.pk).update(status="failed", finished_at=failed.created_at)
    Delivery.objects.filter(pk=ok.pk).update(status="succeeded", finished_at=ok.created_at)
    health = SubscriptionHealth.objects.create(
        subscription_id=failed.subscription_id,
        installation=installation,
        state=SubscriptionHealth.State.DISABLED,
        failing_since=failed.created_at,
        last_failure_at=failed.created_at,
        disabled_at=failed.created_at,
    )
    return {"installation": installation, "health": health, "succeeded": ok}


def test_the_admin_reads_each_subscription_with_its_health(request, two_subscriptions):
    d = two_subscriptions
    client = persona_client(request, "admin")
    health = d["health"]

    body = client.get(_url(d)).json()

    assert body["count"] == 2
    rows = {row["webhook"]: row for row in body["results"]}
    assert [row["webhook"] for row in body["results"]] == [
        "crm-account-created",
        "crm-account-updated",
    ]
    assert all(set(row) == FIELDS for row in rows.values())
    created, updated = rows["crm-account-created"], rows["crm-account-updated"]
    assert (created["id"], created["health"]) == (health.subscription_id, "disabled")
    assert created["event"] == "crm.account.created"
    assert created["url"] == "https://receiver.example.com/hooks"
    assert created["failing_since"] is not None
    assert created["last_failure_at"] is not None and created["disabled_at"] is not None
    assert created["last_success_at"] is None
    # Never failed: healthy without a health row, its last success from the log.
    assert updated["health"] == "healthy"
    assert updated["failing_since"] is None and updated["last_failure_at"] is None
    assert updated["last_success_at"] is not None

    one = client.get(_url(d, f"/{health.subscription_id}")).json()
    assert one == created
    narrowed = client.get(_url(d), {"health": "disabled"}).json()
    assert [r["webhook"] for r in narrowed["results"]] == ["crm-account-created"]


def test_the_health_rows_last_success_wins_over_the_log(request, disabled):
    health = disabled["health"]
    at = health.failing_since - timedelta(days=40)  # purged from the log long ago
    SubscriptionHealth.objects.filter(pk=health.pk).update(last_success_at=at)

    row = persona_client(request, "admin").get(_url(disabled, f"/{health.subscription_id}"))

    assert row.json()["last_success_at"] == at.isoformat().replace("+00:00", "Z")


def test_bad_input_is_named_and_unknown_subscriptions_are_not_found(request, disabled):
    client = persona_client(request, "admin")

    assert_error(client.get(_url(disabled), {"health": "sick"}), 400, "invalid", fields={"health"})
    for missing in (0, 10**20, disabled["health"].subscription_id + 1000):
        assert_error(client.get(_url(disabled, f"/{missing}")), 404, "not_found")
        before = _snapshot()
        enable = client.post(_url(disabled, f"/{missing}/enable"), {}, format="json")
        assert_error(enable, 404, "not_found")
        assert _snapshot() == before
    before = _snapshot()
    enable = _url(disabled, f"/{disabled['health'].subscription_id}/enable")
    bad = client.post(enable, {"replay": "maybe"}, format="json")
    assert_error(bad, 400, "invalid", fields={"replay"})
    assert _snapshot() == before


def test_a_subscription_of_another_installed_app_is_not_found(request, disabled, two_subscriptions):
    client = persona_client(request, "admin")
    elsewhere = two_subscriptions["health"].subscription_id  # disabled too, same account
    before = _snapshot()

    assert_error(client.get(_url(disabled, f"/{elsewhere}")), 404, "not_found")
    assert_error(
        client.post(_url(disabled, f"/{elsewhere}/enable"), {}, format="json"), 404, "not_found"
    )
    assert_error(client.get(f"{API}/installations/999999/webhooks"), 404, "not_found")
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("change_to", "code"),
    [("uninstalling", "not_active"), ("deleting", "app_deleting")],
)
def test_enabling_is_refused_while_the_app_is_on_its_way_out(request, disabled, change_to, code):
    if change_to == "uninstalling":
        Installation.objects.filter(pk=disabled["installation"].pk).update(
            status=InstallationStatus.UNINSTALLING
        )
    else:
        App.objects.filter(pk=disabled["app"].pk).update(status=AppStatus.DELETING)
    client = persona_client(request, "admin")
    before = _snapshot()

    response = client.post(
        _url(disabled, f"/{disabled['health'].subscription_id}/enable"),
        {"replay": True},
        format="json",
    )

    assert_error(response, 409, code)
    assert _snapshot() == before
    # Still readable, as on its page.
    assert client.get(_url(disabled)).json()["results"][0]["health"] == "disabled"


def test_enabling_a_subscription_that_is_not_disabled_is_a_conflict(request, disabled):
    SubscriptionHealth.objects.filter(pk=disabled["health"].pk).update(state="at_risk")
    before = _snapshot()

    response = persona_client(request, "admin").post(
        _url(disabled, f"/{disabled['health'].subscription_id}/enable"), {}, format="json"
    )

    assert_error(response, 409, "conflict")
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["admin", "api_key"])
def test_the_accounts_admin_and_key_may(request, disabled, endpoint, persona):
    response = endpoint.call(persona_client(request, persona), disabled)

    assert response.status_code == 200, response.content
    if endpoint.method == "post":
        health = SubscriptionHealth.objects.get(pk=disabled["health"].pk)
        assert health.state == "healthy"
        assert (
            Job.objects.get(pk=response.json()["job"]).account == disabled["installation"].account
        )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("member", 403, "permission_denied"),
        ("developer", 403, "permission_denied"),
        ("other_developer", 403, "permission_denied"),  # no admin right in their account
        ("outsider", 404, "not_found"),  # another account's admin
        ("other_api_key", 404, "not_found"),
        ("moderator", 404, "not_found"),
        ("staff", 404, "not_found"),
    ],
)
def test_others_are_refused_and_nothing_changes(request, disabled, endpoint, persona, status, code):
    client = api_client() if persona == "anonymous" else persona_client(request, persona)
    before = _snapshot()

    assert_error(endpoint.call(client, disabled), status, code)
    assert _snapshot() == before
