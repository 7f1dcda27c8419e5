"""Who may call each installations endpoint.

Admin endpoints: anonymous 401; an outsider (admin of another account) and an API key of
another account 404; a member without admin 403; an admin of the account (session) and
an API key of the account allowed. User-level settings: a member reaches their own
while they may use the app (403 otherwise, and for anyone else's); admins and API keys
reach any member's. Every denial leaves every installation row as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import get_resolver

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_access_set, installation_settings_save
from tests.apps.api.helpers import assert_error
from tests.apps.installations.api.helpers import persona_client, snapshot, upload, url

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    suffix: str
    body: Callable[[], dict[str, Any]] | None = None

    def call(self, client, installation_id: int):
        kwargs = self.body() if self.body is not None else {}
        return getattr(client, self.method)(url(installation_id, self.suffix), **kwargs)

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


def _json(data: dict) -> Callable[[], dict[str, Any]]:
    return lambda: {"data": data, "format": "json"}


ADMIN_ENDPOINTS = [
    Endpoint("installation-detail", "get", ""),
    Endpoint("installation-uninstall", "post", "/uninstall"),
    Endpoint("installation-pin", "post", "/pin"),
    Endpoint("installation-unpin", "post", "/unpin"),
    Endpoint("installation-access", "get", "/access"),
    Endpoint("installation-access", "put", "/access", _json({"roles": [], "groups": []})),
    Endpoint("installation-settings", "get", "/settings"),
    Endpoint(
        "installation-settings",
        "patch",
        "/settings",
        _json({"values": {"company_name": "Changed"}}),
    ),
    Endpoint("installation-setting_file", "get", "/settings/letterhead/file"),
    Endpoint("installation-update", "get", "/update?version=1.1.0"),
    Endpoint(
        "installation-update", "post", "/update", _json({"version": "1.1.0", "consent": True})
    ),
    Endpoint("installation-history", "get", "/history"),
]


@pytest.fixture
def objects(account, admin, member, sales_role, installation, v2):
    """The installation with a stored app-level file and a company name, and the Sales
    role (the member's) allowed to use it."""
    membership = Membership.objects.get(account=account, user=admin)
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme"},
        files={"letterhead": upload()},
        actor=actor_for_user(user=admin, membership=membership),
    )
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(user=admin, membership=membership),
    )
    return installation


def test_every_installations_url_is_in_the_matrix():
    namespace = get_resolver().namespace_dict["api"][1].namespace_dict["installations"][1]
    names = {p.name for p in namespace.url_patterns}
    covered = {e.name for e in ADMIN_ENDPOINTS} | {
        "installation-list",
        "installation-user_settings",
        "installation-user_setting_file",
    }
    assert names == covered


@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS, ids=str)
@pytest.mark.parametrize(
    ("persona", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("outsider", 404, "not_found"),
        ("other_api_key", 404, "not_found"),
        ("member", 403, "permission_denied"),
    ],
)
def test_denied_changes_nothing(request, endpoint, persona, status, code, objects):
    before = snapshot()
    response = endpoint.call(persona_client(request, persona), objects.pk)
    assert_error(response, status, code)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS, ids=str)
@pytest.mark.parametrize("persona", ["admin", "api_key"])
def test_admin_and_api_key_are_allowed(request, endpoint, persona, objects):
    response = endpoint.call(persona_client(request, persona), objects.pk)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS, ids=str)
def test_outsider_naming_the_account_gets_404(request, endpoint, objects):
    client = persona_client(request, "outsider")
    client.credentials(HTTP_X_ACCOUNT="acme")
    before = snapshot()
    assert_error(endpoint.call(client, objects.pk), 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ADMIN_ENDPOINTS, ids=str)
def test_an_installation_of_another_account_is_404_for_the_admin(
    request, endpoint, objects, other_installation
):
    before = snapshot()
    response = endpoint.call(persona_client(request, "admin"), other_installation.pk)
    assert_error(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("member", 403), ("admin", 200), ("api_key", 200), ("outsider", 200)],
)
def test_list_access(request, persona, status, objects):
    response = persona_client(request, persona).get("/api/v1/installations")
    assert response.status_code == status, response.content


@pytest.mark.parametrize("persona", ["outsider", "other_api_key"])
def test_list_shows_only_the_callers_account(request, persona, objects, other_installation):
    body = persona_client(request, persona).get("/api/v1/installations").json()
    assert [row["id"] for row in body["results"]] == [other_installation.pk]


# --- user-level settings ---------------------------------------------------------------------


def _user_endpoints(user_ref: str) -> list[Endpoint]:
    suffix = f"/users/{user_ref}/settings"
    return [
        Endpoint("installation-user_settings", "get", suffix),
        Endpoint(
            "installation-user_settings", "patch", suffix, _json({"values": {"signature": "Hi"}})
        ),
        Endpoint("installation-user_setting_file", "get", f"{suffix}/avatar/file"),
    ]


@pytest.fixture
def user_objects(objects, account, admin, member):
    """An avatar stored for the member and for the admin."""
    for user in (member, admin):
        installation_settings_save(
            installation=objects,
            level="user",
            user=user,
            values={},
            files={"avatar": upload("avatar.png", b"\x89PNG avatar")},
            actor=actor_for_user(
                user=user, membership=Membership.objects.get(account=account, user=user)
            ),
        )
    return objects


def _ref(request, who: str) -> str:
    return "me" if who == "me" else str(request.getfixturevalue(who).pk)


@pytest.mark.parametrize("index", range(3))
@pytest.mark.parametrize(
    ("persona", "whose", "status", "code"),
    [
        ("anonymous", "member", 401, "not_authenticated"),
        ("outsider", "member", 404, "not_found"),
        ("outsider", "me", 404, "not_found"),
        ("other_api_key", "member", 404, "not_found"),
        ("member", "admin", 403, "permission_denied"),
        ("colleague", "me", 403, "permission_denied"),  # no access to the app
        ("api_key", "me", 400, "invalid"),  # a key is no user
    ],
)
def test_user_settings_denied_changes_nothing(
    request, colleague, user_objects, index, persona, whose, status, code
):
    endpoint = _user_endpoints(_ref(request, whose))[index]
    before = snapshot()
    response = endpoint.call(persona_client(request, persona), user_objects.pk)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert snapshot() == before


@pytest.mark.parametrize("index", range(3))
@pytest.mark.parametrize(
    ("persona", "whose"),
    [
        ("member", "me"),
        ("member", "member"),
        ("admin", "me"),
        ("admin", "member"),
        ("api_key", "member"),
    ],
)
def test_user_settings_allowed(request, user_objects, index, persona, whose):
    endpoint = _user_endpoints(_ref(request, whose))[index]
    response = endpoint.call(persona_client(request, persona), user_objects.pk)
    assert response.status_code == 200, response.content


def test_member_loses_their_settings_with_the_access(request, account, admin, user_objects):
    installation_access_set(
        installation=user_objects,
        role_ids=[],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    response = persona_client(request, "member").get(url(user_objects, "/users/me/settings"))
    assert_error(response, 403, "permission_denied")


def test_admin_naming_someone_outside_the_account_gets_404(request, user_objects, outsider):
    before = snapshot()
    client = persona_client(request, "admin")
    response = client.patch(
        url(user_objects, f"/users/{outsider.pk}/settings"),
        {"values": {"signature": "x"}},
        format="json",
    )
    assert_error(response, 404, "not_found")
    assert snapshot() == before
