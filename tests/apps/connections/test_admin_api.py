"""The connections API of account admins and API keys: read the connection, set its
parameters, Connect (a one-time console link), Test, Refresh now, Disconnect; and of an
app's developers: its outside client, and test results across installations.

The access matrix for each endpoint: anonymous 401; for the admin endpoints a member
(and a developer) of the account without admin 403, an admin or API key of another
account 404, the app's own developers (members of its account without admin) 403 and
its account's API key 404; for the developer endpoints members without
the developer right 403, anyone of another account 404. On every denial nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from apps.connections.models import ConnectionTestResult, OAuthConnection, OutsideClient
from apps.installations.models import InstallationEvent
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.connections.api_world import PERSONAS, persona_client, snapshot
from tests.apps.connections.oauth_world import back, consent
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.django_db


def url(installation, suffix: str = "") -> str:
    return f"{API}/installations/{installation.pk}/connection{suffix}"


def app_url(app, suffix: str) -> str:
    return f"{API}/apps/{app.code}/{suffix}"


# --- the allowed cells' effects ----------------------------------------------------------


def read(world, response) -> None:
    body = response.json()
    assert body["type"] == "oauth2" and body["state"] == "connected"
    assert body["parameters"][0]["key"] == "workspace"
    assert body["parameters"][0]["value"] == "acme"
    assert body["authorization"]["status"] == "connected"
    assert body["test"]["passed"] is True and body["test"]["trigger"] == "connected"
    row = OAuthConnection.objects.get(installation=world["installation"])
    from apps.core.crypto import decrypt

    assert decrypt(row.access_token) not in response.content.decode()


def saved(world, response) -> None:
    body = response.json()
    assert body["parameters"][0]["value"] == "acme-2"
    assert body["test"]["trigger"] == "saved"
    event = InstallationEvent.objects.filter(installation=world["installation"]).last()
    assert event.kind == "connection_saved" and event.detail == {"keys": ["workspace"]}


def linked(world, response) -> None:
    body = response.json()
    assert body["url"].startswith("http://testserver/connections/start/")
    assert body["expires_at"]


def ran_the_test(world, response) -> None:
    body = response.json()
    assert body["passed"] is True and body["status"] == 200 and body["trigger"] == "admin"
    assert ConnectionTestResult.objects.get(installation=world["installation"]).trigger == "admin"


def refreshed(world, response) -> None:
    assert response.json()["authorization"]["refreshed_at"]
    assert OAuthConnection.objects.get(installation=world["installation"]).refreshed_at


def disconnected(world, response) -> None:
    body = response.json()
    assert body["revoked"] is True and body["state"] == "not_connected"
    assert body["authorization"] is None
    assert not OAuthConnection.objects.filter(installation=world["installation"]).exists()


def client_read(world, response) -> None:
    body = response.json()
    assert body["client_id"] == CLIENT_ID and body["secret_set"] is True
    assert body["callback_url"] == "http://testserver/connections/callback/"
    assert CLIENT_SECRET not in response.content.decode()


def client_set(world, response) -> None:
    assert response.json()["client_id"] == "notes-2"
    assert "client_secret" not in response.json()
    row = OutsideClient.objects.get(app=world["app"])
    assert row.client_id == "notes-2" and row.secret_hint  # the secret kept


def results(world, response) -> None:
    [row] = response.json()["results"]
    assert row["installation"] == world["installation"].pk
    account = world["installation"].account
    assert row["account"] == {"name": account.name, "domain": account.slug}
    assert row["passed"] is True and row["status"] == 200
    assert set(row) == {
        "installation",
        "account",
        "version",
        "passed",
        "status",
        "latency_ms",
        "failure",
        "trigger",
        "tested_at",
    }


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    effect: Callable[[dict[str, Any], Any], None]
    data: dict | None = None
    developer: bool = False

    def call(self, client, world):
        if self.data is None:
            return getattr(client, self.method)(self.path(world))
        return getattr(client, self.method)(self.path(world), self.data, format="json")

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


ENDPOINTS = [
    Endpoint("installation_connection-detail", "get", lambda w: url(w["installation"]), read),
    Endpoint(
        "installation_connection-detail",
        "patch",
        lambda w: url(w["installation"]),
        saved,
        data={"values": {"workspace": "acme-2"}},
    ),
    Endpoint(
        "installation_connection-connect",
        "post",
        lambda w: url(w["installation"], "/connect"),
        linked,
    ),
    Endpoint(
        "installation_connection-test",
        "post",
        lambda w: url(w["installation"], "/test"),
        ran_the_test,
    ),
    Endpoint(
        "installation_connection-refresh",
        "post",
        lambda w: url(w["installation"], "/refresh"),
        refreshed,
    ),
    Endpoint(
        "installation_connection-disconnect",
        "post",
        lambda w: url(w["installation"], "/disconnect"),
        disconnected,
    ),
    Endpoint(
        "outside_client-detail",
        "get",
        lambda w: app_url(w["app"], "outside-client"),
        client_read,
        developer=True,
    ),
    Endpoint(
        "outside_client-detail",
        "put",
        lambda w: app_url(w["app"], "outside-client"),
        client_set,
        data={"client_id": "notes-2"},
        developer=True,
    ),
    Endpoint(
        "connection_test-list",
        "get",
        lambda w: app_url(w["app"], "connection-tests"),
        results,
        developer=True,
    ),
]

ADMIN_CELLS = {
    "anonymous": (401, "not_authenticated"),
    "member": (403, "permission_denied"),
    "developer": (403, "permission_denied"),
    "admin": (200, None),
    "outsider": (404, "not_found"),
    "api_key": (200, None),
    "other_api_key": (404, "not_found"),
    # Not an admin in their own account: refused before any lookup, as every admin
    # endpoint refuses a member (tests/apps/installations/api/test_access_matrix.py).
    "app_developer": (403, "permission_denied"),
    "publisher_key": (404, "not_found"),
}
DEVELOPER_CELLS = {
    "anonymous": (401, "not_authenticated"),
    "member": (403, "permission_denied"),
    "developer": (404, "not_found"),
    "admin": (403, "permission_denied"),
    "outsider": (403, "permission_denied"),
    "api_key": (404, "not_found"),
    "other_api_key": (404, "not_found"),
    "app_developer": (200, None),
    "publisher_key": (200, None),
}


@pytest.fixture
def world(connected, notes, globex_installation, member, developer, keys):
    return {"installation": connected, "app": notes}


def test_every_connections_url_is_in_the_matrix():
    from tests.apps.api.access_cells import url_names

    covered = {e.name for e in ENDPOINTS} | {"connection"}  # the app's own: its own matrix
    assert url_names("connections") == covered


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_access_matrix(request, endpoint, persona, world):
    status, code = (DEVELOPER_CELLS if endpoint.developer else ADMIN_CELLS)[persona]
    client = persona_client(request, persona)
    before = snapshot()

    response = endpoint.call(client, world)

    if code is not None:
        assert_error(response, status, code)
        assert snapshot() == before
    else:
        assert response.status_code == status, response.content
        endpoint.effect(world, response)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if not e.developer], ids=str)
def test_an_installation_of_another_account_is_404_for_the_admin_and_the_key(
    request, endpoint, world, globex_installation
):
    for persona in ("admin", "api_key"):
        before = snapshot()
        response = endpoint.call(
            persona_client(request, persona), {**world, "installation": globex_installation}
        )
        assert_error(response, 404, "not_found")
        assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_an_outsider_naming_the_account_gets_404(request, endpoint, world):
    client = persona_client(request, "outsider")
    client.credentials(HTTP_X_ACCOUNT="acme")
    before = snapshot()
    assert_error(endpoint.call(client, world), 404, "not_found")
    assert snapshot() == before


# --- parameters: field-named errors, sensitive values write-only ------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"values": {"workspace": ""}}, {"workspace"}),
        ({"values": {"workspace": "a", "nope": "x"}}, {"nope"}),
        ({"values": ["workspace"]}, {"values"}),
        ({"values": {}, "clear": "workspace"}, {"clear"}),
        ({"values": {}, "parameters": {}}, {"parameters"}),
        (["values"], {"non_field_errors"}),
    ],
)
def test_bad_parameters_are_refused_by_field_and_nothing_is_saved(request, world, body, fields):
    before = snapshot()
    response = persona_client(request, "admin").patch(
        url(world["installation"]), body, format="json"
    )
    assert_error(response, 400, "invalid", fields=fields)
    assert snapshot() == before


def test_a_sensitive_parameter_is_write_only(request, account, admin, keys):
    from tests.apps.connections.conftest import API_KEY, GENERIC
    from tests.factories import make_app, make_version
    from tests.factories.installations import make_installation

    app = make_app(account=account, name="Weather")
    make_version(app=app, number="1.0.0", status="published", connection=GENERIC)
    installation = make_installation(
        account=account, version=app.versions.get(number="1.0.0"), by_user=admin
    )
    client = persona_client(request, "api_key")

    missing = client.get(url(installation)).json()
    saved_body = client.patch(
        url(installation), {"values": {"api_key": API_KEY, "region": "eu"}}, format="json"
    )
    kept = client.patch(url(installation), {"values": {"api_key": ""}}, format="json")

    assert missing["state"] == "needs_setup" and missing["missing"] == ["API key", "Region"]
    assert saved_body.status_code == 200, saved_body.content
    key = {p["key"]: p for p in saved_body.json()["parameters"]}["api_key"]
    assert key["sensitive"] is True and key["value"] is None and key["is_set"] is True
    assert key["masked"].endswith("WXYZ") and API_KEY not in saved_body.content.decode()
    assert kept.json()["state"] == "ready"
    assert (
        InstallationEvent.objects.filter(installation=installation, kind="connection_saved")
        .get()
        .actor_label.startswith("API key")
    )
    for action in ("/connect", "/refresh", "/disconnect"):
        assert_error(client.post(url(installation, action)), 404, "no_connection")


# --- Connect: the one-time link ----------------------------------------------------------------


def link_for(client, installation) -> str:
    response = client.post(url(installation, "/connect"))
    assert response.status_code == 200, response.content
    return urlsplit(response.json()["url"]).path


def test_the_link_starts_connect_in_the_admins_browser_session(
    request, world_base, admin, client_for
):
    world = world_base
    installation = world["installation"]
    path = link_for(persona_client(request, "api_key"), installation)
    browser = client_for(admin)

    started = browser.get(path)
    done = back(browser, consent(started.url))

    assert started.status_code == 302 and started.url.startswith(f"{world['app_base']}/authorize")
    assert done.status_code == 302
    assert InstallationEvent.objects.filter(installation=installation).last().kind == "reconnected"


@pytest.fixture
def world_base(world, provider):
    world["app_base"] = provider.url
    return world


def test_a_link_works_once(request, world_base, admin, client_for):
    path = link_for(persona_client(request, "admin"), world_base["installation"])
    browser = client_for(admin)

    first = browser.get(path)
    again = browser.get(path)

    assert first.status_code == 302 and first.url.startswith(world_base["app_base"])
    assert again.status_code == 409 and "used already" in again.content.decode()


def test_a_persons_link_is_theirs_alone(request, world_base, account, client_for):
    from tests.factories import MembershipFactory, UserFactory

    other_admin = MembershipFactory(
        account=account, user=UserFactory(email="admin2@acme.test"), is_admin=True
    ).user
    path = link_for(persona_client(request, "admin"), world_base["installation"])

    assert client_for(other_admin).get(path).status_code == 403
    for who in ("member", "outsider"):
        response = client_for(request.getfixturevalue(who)).get(path)
        assert response.status_code in (403, 404)
    assert client_for(request.getfixturevalue("admin")).get(path).status_code == 302


def test_an_expired_or_forged_link_starts_nothing(
    request, world_base, admin, client_for, monkeypatch
):
    from apps.connections import links

    path = link_for(persona_client(request, "admin"), world_base["installation"])
    monkeypatch.setattr(links, "LINK_SECONDS", -1)
    browser = client_for(admin)

    expired = browser.get(path)
    forged = browser.get(path[:-3] + "xyz/")

    assert expired.status_code == 409 and "expired" in expired.content.decode()
    assert forged.status_code == 404
    assert "connections.pending" not in browser.session


def test_connect_says_what_is_missing_first(request, world, globex_installation):
    client = persona_client(request, "other_api_key")
    before = snapshot()

    missing = client.post(url(globex_installation, "/connect"))
    OutsideClient.objects.all().delete()
    no_client = client.post(url(globex_installation, "/connect"))

    assert_error(missing, 409, "parameters_missing")
    assert "Workspace" in missing.json()["error"]["message"]
    assert_error(no_client, 409, "client_missing")
    assert snapshot()["events"] == before["events"]


# --- Refresh now and Disconnect ----------------------------------------------------------------


def test_refresh_after_a_withdrawn_grant_is_a_409_and_needs_reconnect(request, world, provider):
    provider.withdraw_access()
    client = persona_client(request, "api_key")

    response = client.post(url(world["installation"], "/refresh"))
    again = client.post(url(world["installation"], "/refresh"))
    state = client.get(url(world["installation"])).json()

    assert_error(response, 409, "refresh_failed")
    assert "no longer accepts" in response.json()["error"]["message"]
    assert_error(again, 409, "not_connected")
    assert state["state"] == "needs_reconnect" and state["authorization"]["problem"]
    event = InstallationEvent.objects.filter(installation=world["installation"]).last()
    assert event.kind == "connection_needs_reconnect" and event.actor_label.startswith("API key")


def test_disconnect_twice_is_a_409_the_second_time(request, world, provider):
    client = persona_client(request, "admin")
    token_row = OAuthConnection.objects.get(installation=world["installation"])
    from apps.core.crypto import decrypt

    token = decrypt(token_row.access_token)

    first = client.post(url(world["installation"], "/disconnect"))
    second = client.post(url(world["installation"], "/disconnect"))

    assert first.status_code == 200
    assert_error(second, 409, "not_connected")
    me = httpx.get(f"{provider.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


# --- the developer's outside client ---------------------------------------------------------


def test_the_outside_client_needs_its_fields(request, world):
    client = persona_client(request, "app_developer")
    OutsideClient.objects.all().delete()
    before = snapshot()

    blank = client.put(app_url(world["app"], "outside-client"), {"client_id": ""}, format="json")
    missing = client.put(app_url(world["app"], "outside-client"), {}, format="json")
    long_id = client.put(
        app_url(world["app"], "outside-client"),
        {"client_id": "x" * 300, "client_secret": "s"},
        format="json",
    )

    assert_error(blank, 400, "invalid", fields={"client_id", "client_secret"})
    assert_error(missing, 400, "invalid", fields={"client_id"})
    assert_error(long_id, 400, "invalid", fields={"client_id"})
    assert snapshot() == before
    empty = client.get(app_url(world["app"], "outside-client")).json()
    assert empty["client_id"] is None and empty["secret_set"] is False


def test_a_new_secret_replaces_the_stored_one_and_is_never_answered(request, world):
    client = persona_client(request, "publisher_key")

    response = client.put(
        app_url(world["app"], "outside-client"),
        {"client_id": CLIENT_ID, "client_secret": "a-new-secret-9876"},
        format="json",
    )

    assert response.status_code == 200
    assert "a-new-secret-9876" not in response.content.decode()
    assert response.json()["masked_secret"].endswith("9876")
    from apps.connections.clients import outside_credentials

    assert outside_credentials(world["app"].pk).client_secret == "a-new-secret-9876"


def test_an_anonymous_call_to_the_link_page_signs_in_first(world):
    response = api_client().get("/connections/start/anything/")
    assert response.status_code == 302 and "/login" in response.url
