"""Who may call each webhooks endpoint: the platform's public key is public; an app's
secrets, their rotation, its delivery log and its subscriptions' health are its
developers' (and its account's API keys'). Anonymous 401; members without the developer
right 403; platform staff (in no account) and another account's developers and keys 404.
Every denial changes nothing."""

from dataclasses import dataclass

import pytest
from django.urls import get_resolver

from apps.jobs.models import Job
from apps.webhooks.models import Delivery, SigningSecret, SubscriptionHealth
from apps.webhooks.services import events_fan_out, signing_secret_current
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import persona_client
from tests.apps.webhooks.conftest import change, hooks_for
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {app}: the app's code; {delivery}: a delivery's id
    allowed: int = 200

    data: dict | None = None

    def call(self, client, objects):
        extra = {"data": self.data, "format": "json"} if self.data is not None else {}
        return getattr(client, self.method)(API + self.path.format(**objects), **extra)

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


A = "/apps/{app}/webhooks"
ENDPOINTS = [
    Endpoint("app_secret-detail", "get", A + "/secret"),
    Endpoint("app_secret-rotate", "post", A + "/secret/rotate"),
    Endpoint("delivery-list", "get", A + "/deliveries"),
    Endpoint("delivery-detail", "get", A + "/deliveries/{delivery}"),
    Endpoint("subscription-list", "get", A + "/subscriptions"),
    Endpoint("subscription-enable", "post", A + "/subscriptions/{subscription}/enable", 200, {}),
    Endpoint("delivery-replay", "post", A + "/deliveries/{delivery}/replay", 202),
    Endpoint(
        "delivery-replay_failed",
        "post",
        A + "/deliveries/replay-failed",
        202,
        {"since": "2020-01-01T00:00:00Z"},
    ),
]


def _snapshot():
    return (
        list(Job.objects.order_by("pk").values_list("pk", "state")),
        list(SigningSecret.objects.order_by("pk").values_list("pk", "expires_at")),
        list(Delivery.objects.order_by("pk").values_list("pk", "status", "replays")),
        list(SubscriptionHealth.objects.order_by("pk").values_list("pk", "state", "enabled_at")),
    )


@pytest.fixture
def objects(account, admin):
    """An app of ``account`` (the developer's) installed on ``account``, with a delivery
    and a signing secret."""
    app = make_app(account=account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
        webhooks=hooks_for("https://receiver.example.com/hooks"),
    )
    make_installation(account=account, version=version, by_user=admin)
    signing_secret_current(app_id=app.pk)
    change(account)
    events_fan_out()
    Delivery.objects.update(status=Delivery.Status.FAILED)  # so it can be replayed
    delivery = Delivery.objects.get()
    SubscriptionHealth.objects.create(
        subscription_id=delivery.subscription_id,
        installation_id=delivery.installation_id,
        state=SubscriptionHealth.State.DISABLED,
    )
    return {"app": app.code, "delivery": delivery.uid, "subscription": delivery.subscription_id}


def test_every_route_has_a_row():
    namespace = get_resolver().namespace_dict["api"][1].namespace_dict["webhooks"][1]
    names = {p.name for p in namespace.url_patterns}

    assert names == {e.name for e in ENDPOINTS} | {
        "signing_key-detail",
        # The admin's: test_installation_api.py
        "installation_subscription-list",
        "installation_subscription-detail",
        "installation_subscription-enable",
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["developer", "api_key"])
def test_allowed(request, endpoint, persona, objects):
    response = endpoint.call(persona_client(request, persona), objects)

    assert response.status_code == endpoint.allowed, response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_asked_to_authenticate(endpoint, objects):
    before = _snapshot()

    assert_error(endpoint.call(api_client(), objects), 401, "not_authenticated")
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_members_without_the_developer_right_are_refused(request, endpoint, persona, objects):
    before = _snapshot()

    response = endpoint.call(persona_client(request, persona), objects)

    error = assert_error(response, 403, "permission_denied")
    assert "developer right" in error["message"]
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["moderator", "staff", "other_developer", "other_api_key"])
def test_others_find_nothing(request, endpoint, persona, objects):
    before = _snapshot()

    response = endpoint.call(persona_client(request, persona), objects)

    assert_error(response, 404, "not_found")
    assert _snapshot() == before


@pytest.mark.parametrize(
    "persona", ["anonymous", "outsider", "member", "developer", "moderator", "api_key"]
)
def test_the_public_key_is_public(request, persona):
    response = persona_client(request, persona).get(API + "/webhooks/signing-key")

    assert response.status_code == 200
    body = response.json()
    assert body["algorithm"] == "ed25519" and body["signature_version"] == "v1a"
    assert body["public_key"].startswith("whpk_")
