"""``needs_setup`` on the installations API: a read-only boolean, true while a required
app-level setting of the installed version has no value, computed by the one selector,
at the same query cost for a list of any length. (The app's token working meanwhile is
tested through the whole flow in tests/apps/oauth/test_setup_handoff.py.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.installations.models import InstallationStatus
from tests.apps.api.helpers import API, api_client
from tests.apps.installations.api.conftest import SETTINGS
from tests.apps.installations.api.helpers import snapshot, url
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def test_needs_setup_until_the_required_setting_is_filled(admin, installation):
    client = api_client(admin)
    assert client.get(url(installation)).json()["needs_setup"] is True
    listed = client.get(f"{API}/installations").json()["results"]
    assert [i["needs_setup"] for i in listed] == [True]

    saved = client.patch(
        url(installation, "/settings"),
        {"values": {"company_name": "Acme Corp"}},
        format="json",
    )
    assert saved.status_code == 200, saved.content

    assert client.get(url(installation)).json()["needs_setup"] is False
    assert client.get(f"{API}/installations").json()["results"][0]["needs_setup"] is False


def test_an_api_key_sees_it_too(account_key, installation):
    body = api_client(key=account_key).get(url(installation)).json()
    assert body["needs_setup"] is True


def test_a_version_without_required_settings_needs_no_setup(admin, account, publisher):
    app = make_app(account=publisher, name="Quiet")
    installation = make_installation(
        account=account, version=make_version(app=app, status="published"), by_user=admin
    )
    assert api_client(admin).get(url(installation)).json()["needs_setup"] is False


def test_an_installation_being_uninstalled_needs_no_setup(admin, installation):
    type(installation).objects.filter(pk=installation.pk).update(
        status=InstallationStatus.UNINSTALLING
    )
    assert api_client(admin).get(url(installation)).json()["needs_setup"] is False


def test_needs_setup_is_read_only(admin, installation):
    before = snapshot()
    response = api_client(admin).patch(url(installation), {"needs_setup": False}, format="json")
    assert response.status_code == 405
    assert snapshot() == before


def test_the_list_costs_the_same_queries_for_any_length(admin, account, publisher, installation):
    client = api_client(admin)
    client.get(f"{API}/installations")  # warm the session and the scope catalog
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{API}/installations").status_code == 200
    for n in range(3):
        app = make_app(account=publisher, name=f"App {n}")
        make_installation(
            account=account,
            version=make_version(app=app, status="published", settings=SETTINGS),
            by_user=admin,
        )
    with CaptureQueriesContext(connection) as four:
        body = client.get(f"{API}/installations").json()
    assert [i["needs_setup"] for i in body["results"]] == [True] * 4
    assert len(four) == len(one)


def test_the_schema_says_it_is_a_read_only_boolean(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["InstallationOutput"]["properties"]["needs_setup"]
    assert field["type"] == "boolean"
    assert field["readOnly"] is True
    assert "required app-level settings" in field["description"].lower()
