"""Who may call the moderation endpoints: signed-in platform moderators (and staff
superusers, who hold every permission). Anonymous callers get 401; every other signed-in
user and every API key gets 403, and nothing changes."""

from dataclasses import dataclass

import pytest
from django.urls import get_resolver

from apps.accounts.actors import actor_for_user
from apps.moderation.services import review_claim
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import catalog_snapshot, persona_client
from tests.factories import UserFactory
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db

CHECKLIST = {"functionality": True, "works_as_described": True, "security": True, "scopes": True}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {submitted}, {claimed}: version ids
    data: dict | None = None

    def call(self, client, objects):
        url = API + self.path.format(**objects)
        if self.data is None:
            return getattr(client, self.method)(url)
        return getattr(client, self.method)(url, data=self.data, format="json")

    def __str__(self) -> str:
        return self.name


ENDPOINTS = [
    Endpoint("review-queue", "get", "/moderation/queue"),
    Endpoint("review-detail", "get", "/moderation/versions/{claimed}"),
    Endpoint("review-claim", "post", "/moderation/versions/{submitted}/claim"),
    Endpoint("review-release", "post", "/moderation/versions/{claimed}/release"),
    Endpoint(
        "review-approve",
        "post",
        "/moderation/versions/{claimed}/approve",
        {"checklist": CHECKLIST},
    ),
    Endpoint(
        "review-reject", "post", "/moderation/versions/{claimed}/reject", {"reason": "Broken."}
    ),
]
DENIED = ["outsider", "other_developer", "member", "developer", "api_key", "other_api_key"]


def make_objects(account, claimant) -> dict:
    app = make_app(account=account)
    submitted = make_version(app=app, number="1.0.0", status="submitted")
    claimed = make_version(app=app, number="1.1.0", status="submitted")
    review_claim(version=claimed, actor=actor_for_user(user=claimant))
    return {"submitted": submitted.pk, "claimed": claimed.pk}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["moderator", "staff"])
def test_allowed(request, account, endpoint, persona):
    user = request.getfixturevalue(persona)
    objects = make_objects(account, user)

    response = endpoint.call(api_client(user), objects)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_asked_to_authenticate(account, moderator, endpoint):
    objects = make_objects(account, moderator)
    before = catalog_snapshot()

    assert_error(endpoint.call(api_client(), objects), 401, "not_authenticated")
    assert catalog_snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", DENIED)
def test_everyone_else_is_refused(request, account, moderator, endpoint, persona):
    objects = make_objects(account, moderator)
    client = persona_client(request, persona)
    before = catalog_snapshot()

    response = endpoint.call(client, objects)

    error = assert_error(response, 403, "permission_denied")
    if persona.endswith("api_key"):
        assert error["message"] == "API keys cannot moderate apps. Sign in as a platform moderator."
    else:
        assert error["message"] == "Only platform moderators can review app versions."
    assert catalog_snapshot() == before


def test_staff_without_the_permission_is_refused(account, moderator):
    plain_staff = UserFactory(email="ops@platform.test", is_staff=True)
    objects = make_objects(account, moderator)
    before = catalog_snapshot()

    for endpoint in ENDPOINTS:
        assert_error(endpoint.call(api_client(plain_staff), objects), 403, "permission_denied")
    assert catalog_snapshot() == before


def test_the_matrix_covers_every_moderation_route():
    moderation = get_resolver().namespace_dict["api"][1].namespace_dict["moderation"][1]

    assert {n for n in moderation.reverse_dict if isinstance(n, str)} == {e.name for e in ENDPOINTS}
