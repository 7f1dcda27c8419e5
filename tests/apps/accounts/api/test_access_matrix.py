"""Who may call each accounts endpoint: one cell per persona and endpoint.

The account's API keys are its admins' (session) and its API keys' to read and revoke;
only an admin with a session creates one. A member without the admin right gets 403;
another account's admin or key works in its own account, where ``account``'s key is a
404; platform moderators and staff belong to no account. Allowed cells check the effect:
the list holds exactly the caller's account's keys, a created key works, a revoked key
is refused from then on.
"""

import pytest

from apps.accounts.models import ApiKey
from tests.apps.api.access_cells import (
    ACCOUNT_OF,
    DENIED,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PERSONAS,
    Endpoint,
    cells,
    ok,
    persona_client,
)
from tests.apps.api.helpers import API, api_client, snapshot
from tests.apps.catalog.api.helpers import account_key, other_developer, other_key
from tests.factories import ApiKeyFactory

__all__ = ["account_key", "other_developer", "other_key"]  # fixtures

pytestmark = pytest.mark.django_db

ACME = ["member", "developer", "admin", "api_key"]
GLOBEX = ["outsider", "other_developer", "other_api_key"]


def acts_in(slug: str, via: str):
    def effect(objects, response):
        body = response.json()
        assert (body["account"]["domain"], body["via"]) == (slug, via)

    return effect


def lists_the_keys_of(slug: str):
    def effect(objects, response):
        listed = [row["id"] for row in response.json()["results"]]
        expected = ApiKey.objects.filter(account__slug=slug).order_by("-created_at", "-pk")
        assert sorted(listed) == sorted(key.pk for key in expected)

    return effect


def creates_a_working_key_in(slug: str):
    def effect(objects, response):
        body = response.json()
        assert ApiKey.objects.get(pk=body["id"]).account.slug == slug
        answer = api_client(key=body["key"]).get(f"{API}/account")
        assert answer.json()["account"]["domain"] == slug

    return effect


def shows_the_key(objects, response):
    assert response.json()["id"] == objects["key"].pk
    assert response.json()["name"] == "acme key"
    assert "key" not in response.json()


def revokes_the_key(by: str | None):
    def effect(objects, response):
        key = ApiKey.objects.get(pk=objects["key"].pk)
        assert response.json()["is_active"] is False
        assert key.revoked_at is not None
        assert (key.revoked_by.email if key.revoked_by else None) == by
        assert api_client(key=objects["raw"]).get(f"{API}/account").status_code == 401

    return effect


def by_persona(make) -> dict:
    return {persona: make(persona) for persona in ACME + GLOBEX}


# Platform moderators and staff, with no account, get 404 everywhere (no account to act in).
NO_ACCOUNT = {"moderator": NOT_FOUND, "staff": NOT_FOUND}
ENDPOINTS = [
    Endpoint(
        "account-current",
        "get",
        "/account",
        cells(
            NOT_AUTHENTICATED,
            **by_persona(
                lambda p: ok(acts_in(ACCOUNT_OF[p], "api_key" if "api_key" in p else "session"))
            ),
            **NO_ACCOUNT,
        ),
    ),
    Endpoint(
        "api_key-list",
        "get",
        "/api-keys",
        cells(
            DENIED,
            anonymous=NOT_AUTHENTICATED,
            admin=ok(lists_the_keys_of("acme")),
            api_key=ok(lists_the_keys_of("acme")),
            outsider=ok(lists_the_keys_of("globex")),
            other_api_key=ok(lists_the_keys_of("globex")),
            **NO_ACCOUNT,
        ),
    ),
    # An API key cannot create keys; the outsider's key goes into their own account.
    Endpoint(
        "api_key-list",
        "post",
        "/api-keys",
        cells(
            DENIED,
            anonymous=NOT_AUTHENTICATED,
            admin=ok(creates_a_working_key_in("acme"), 201),
            outsider=ok(creates_a_working_key_in("globex"), 201),
            **NO_ACCOUNT,
        ),
        data={"name": "New key"},
    ),
    Endpoint(
        "api_key-detail",
        "get",
        "/api-keys/{key}",
        cells(
            DENIED,
            anonymous=NOT_AUTHENTICATED,
            admin=ok(shows_the_key),
            api_key=ok(shows_the_key),
            outsider=NOT_FOUND,
            other_api_key=NOT_FOUND,
            **NO_ACCOUNT,
        ),
    ),
    Endpoint(
        "api_key-revoke",
        "post",
        "/api-keys/{key}/revoke",
        cells(
            DENIED,
            anonymous=NOT_AUTHENTICATED,
            admin=ok(revokes_the_key("admin@acme.test")),
            api_key=ok(revokes_the_key(None)),
            outsider=NOT_FOUND,
            other_api_key=NOT_FOUND,
            **NO_ACCOUNT,
        ),
    ),
]
CELLS = [
    pytest.param(endpoint, persona, id=f"{endpoint}-{persona}")
    for endpoint in ENDPOINTS
    for persona in PERSONAS
]


@pytest.fixture
def objects(account, other_account, admin, member, developer, outsider):
    """An API key of each account (``key`` is acme's, the one acted on)."""
    key, raw = ApiKeyFactory(account=account, name="acme key", created_by=admin)
    ApiKeyFactory(account=other_account, name="globex key", created_by=outsider)
    return {"key": key, "raw": raw}


@pytest.mark.parametrize(("endpoint", "persona"), CELLS)
def test_access(request, objects, endpoint, persona):
    client = persona_client(request, persona)
    before = snapshot()

    response = endpoint.call(client, objects)

    endpoint.cells[persona].check(response, objects, before)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_names_every_persona(endpoint):
    assert list(endpoint.cells) == PERSONAS
