"""The installations list and detail, uninstall, access and history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation, InstallationAccess, InstallationEvent
from apps.installations.services import installation_uninstall
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.installations.api.helpers import snapshot, url
from tests.factories import GroupFactory, RoleFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db


def test_detail_shows_the_installation(admin, installation, v2):
    body = api_client(admin).get(url(installation)).json()
    assert body["id"] == installation.pk
    assert body["app"] == {
        "code": str(installation.app.code),
        "name": "Invoicer",
        "publisher": {"name": "Dev Studio", "domain": "devstudio"},
    }
    assert body["version"] == "1.0.0"
    assert body["status"] == "active"
    assert [s["scope"] for s in body["granted_scopes"]] == [
        "crm.accounts:read",
        "fin.invoices:full",
    ]
    assert all(s["phrase"].startswith("View") for s in body["granted_scopes"])
    assert body["installed_by"] == "admin@acme.test"
    assert body["uninstall_requested_at"] is None
    assert body["access"] == {"everyone": False, "roles": [], "groups": [], "admins_only": True}
    assert body["webhooks"] == [
        {
            "id": "invoice-updated",
            "event": "fin.invoices.updated",
            "url": "https://invoicer.example.com/hooks/invoices",
        }
    ]
    assert [e["id"] for e in body["embeddings"]] == ["menu"]
    assert body["update_available"] == {"number": "1.1.0", "changelog": "Lists colleagues."}


def test_update_available_is_null_on_the_newest(admin, account, installation):
    assert api_client(admin).get(url(installation)).json()["update_available"] is None


def test_installed_by_an_api_key_has_no_installer(admin, account, v1):
    installation = make_installation(account=account, version=v1)
    assert api_client(admin).get(url(installation)).json()["installed_by"] is None


def test_an_unknown_id_is_404(admin, installation):
    assert_error(api_client(admin).get(url(999999)), 404, "not_found")


def test_list_filters_by_status(admin, account, publisher, installation):
    second = make_installation(
        account=account,
        version=make_version(app=make_app(account=publisher, name="Bridge"), status="published"),
        by_user=admin,
    )
    installation_uninstall(
        installation=second,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    client = api_client(admin)
    everything = client.get(f"{API}/installations").json()
    assert everything["count"] == 2
    active = client.get(f"{API}/installations?status=active").json()
    assert [r["id"] for r in active["results"]] == [installation.pk]
    leaving = client.get(f"{API}/installations?status=uninstalling").json()
    assert [(r["id"], r["status"]) for r in leaving["results"]] == [(second.pk, "uninstalling")]
    assert leaving["results"][0]["uninstall_requested_at"]


def test_an_unknown_status_filter_is_a_field_error(admin, installation):
    response = api_client(admin).get(f"{API}/installations?status=gone")
    assert_error(response, 400, "invalid", fields={"status"})


def test_the_list_costs_the_same_queries_for_any_length(admin, account, publisher, installation):
    client = api_client(admin)
    client.get(f"{API}/installations")  # warm the session and the scope catalog
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{API}/installations").status_code == 200
    for n in range(3):
        app = make_app(account=publisher, name=f"App {n}")
        make_installation(
            account=account, version=make_version(app=app, status="published"), by_user=admin
        )
    with CaptureQueriesContext(connection) as four:
        body = client.get(f"{API}/installations").json()
    assert body["count"] == 4
    assert len(four) == len(one)


# --- uninstall -------------------------------------------------------------------------------


def test_uninstall_marks_uninstalling_and_stops_tokens(admin, account, installation):
    token = issue_token(installation=installation, user=admin, scopes=["crm.accounts:read"])
    response = api_client(admin).post(url(installation, "/uninstall"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "uninstalling"
    assert body["uninstall_requested_at"]
    installation.refresh_from_db()
    assert installation.status == "uninstalling"
    assert installation.uninstall_requested_by == admin
    me = api_client().get(f"{API}/users/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(me, 401, "invalid_token")


def test_uninstall_twice_is_a_conflict(admin, installation):
    client = api_client(admin)
    assert client.post(url(installation, "/uninstall")).status_code == 200
    before = snapshot()
    assert_error(client.post(url(installation, "/uninstall")), 409, "not_active")
    assert snapshot() == before


def test_uninstall_with_an_api_key_is_recorded_by_key(account_key, installation):
    assert api_client(key=account_key).post(url(installation, "/uninstall")).status_code == 200
    event = InstallationEvent.objects.get(installation=installation, kind="uninstall_requested")
    assert event.actor is None
    assert event.actor_label.startswith("API key mpk_")


# --- access ----------------------------------------------------------------------------------


def test_access_put_replaces_roles_and_groups(admin, account, installation, sales_role):
    group = GroupFactory(account=account, name="Finance team")
    client = api_client(admin)
    response = client.put(
        url(installation, "/access"),
        {"roles": [sales_role.pk], "groups": [group.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    expected = {
        "everyone": False,
        "roles": [{"id": sales_role.pk, "name": "Sales"}],
        "groups": [{"id": group.pk, "name": "Finance team"}],
        "admins_only": False,
    }
    assert response.json() == expected
    assert client.get(url(installation, "/access")).json() == expected
    assert client.get(url(installation)).json()["access"] == expected
    response = client.put(url(installation, "/access"), {"roles": [], "groups": []}, format="json")
    assert response.json() == {
        "everyone": False,
        "roles": [],
        "groups": [],
        "admins_only": True,
    }
    assert not InstallationAccess.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"roles": []}, {"groups"}),
        ({"groups": []}, {"roles"}),
        ({"roles": ["x"], "groups": []}, {"roles.0"}),
        ({"roles": "1", "groups": []}, {"roles"}),
        ({"roles": [], "groups": [0]}, {"groups.0"}),
    ],
)
def test_access_input_errors_name_the_field(admin, installation, body, fields):
    before = snapshot()
    response = api_client(admin).put(url(installation, "/access"), body, format="json")
    assert_error(response, 400, "invalid", fields=fields)
    assert snapshot() == before


def test_access_refuses_roles_and_groups_of_another_account(
    admin, other_account, installation, sales_role
):
    foreign_role = RoleFactory(account=other_account)
    foreign_group = GroupFactory(account=other_account)
    client = api_client(admin)
    before = snapshot()
    response = client.put(
        url(installation, "/access"),
        {"roles": [sales_role.pk, foreign_role.pk], "groups": []},
        format="json",
    )
    assert_error(response, 400, "invalid", fields={"roles"})
    response = client.put(
        url(installation, "/access"), {"roles": [], "groups": [foreign_group.pk]}, format="json"
    )
    assert_error(response, 400, "invalid", fields={"groups"})
    assert snapshot() == before


def test_access_of_an_uninstalling_app_is_a_conflict(admin, installation, sales_role):
    client = api_client(admin)
    client.post(url(installation, "/uninstall"))
    before = snapshot()
    response = client.put(
        url(installation, "/access"), {"roles": [sales_role.pk], "groups": []}, format="json"
    )
    assert_error(response, 409, "not_active")
    assert snapshot() == before


# --- history ---------------------------------------------------------------------------------


def test_history_lists_events_oldest_first(admin, installation, sales_role):
    client = api_client(admin)
    client.put(
        url(installation, "/access"), {"roles": [sales_role.pk], "groups": []}, format="json"
    )
    client.post(url(installation, "/uninstall"))
    body = client.get(url(installation, "/history")).json()
    assert body["count"] == 3
    rows = body["results"]
    assert [r["kind"] for r in rows] == ["installed", "access_changed", "uninstall_requested"]
    assert {r["actor"] for r in rows} == {"admin@acme.test"}
    assert rows[1]["detail"] == {
        "before": {"roles": [], "groups": []},
        "after": {"roles": ["Sales"], "groups": []},
    }
    assert set(rows[0]) == {"id", "kind", "actor", "at", "detail"}


def test_history_pages(admin, installation):
    body = api_client(admin).get(url(installation, "/history?page_size=1&page=1")).json()
    assert body["count"] == 1
    assert body["next"] is None
    assert Installation.objects.count() == 1
