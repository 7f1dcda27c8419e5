"""Updating an installation through the API: the plan, consent when scopes grow, and the
versions that are refused by field."""

import pytest

from apps.installations.models import Installation
from tests.apps.api.helpers import api_client, assert_error
from tests.apps.installations.api.conftest import SETTINGS
from tests.apps.installations.api.helpers import snapshot, url
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def test_plan_shows_the_scope_change(admin, installation, v2):
    response = api_client(admin).get(url(installation, "/update?version=1.1.0"))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "version": {"number": "1.1.0", "changelog": "Lists colleagues."},
        "scopes_before": ["crm.accounts:read", "fin.invoices:full"],
        "scopes_after": ["crm.accounts:read", "fin.invoices:full", "users:read"],
        "added": ["users:read"],
        "removed": [],
        "needs_consent": True,
        "exceeding": ["users:read"],
    }


def test_update_without_consent_is_refused_naming_the_new_scopes(admin, installation, v2):
    before = snapshot()
    response = api_client(admin).post(
        url(installation, "/update"), {"version": "1.1.0"}, format="json"
    )
    error = assert_error(response, 409, "consent_required", fields={"consent"})
    assert "users:read" in error["message"]
    assert "users:read" in error["fields"]["consent"][0]
    assert snapshot() == before


def test_update_with_consent(admin, installation, v2):
    response = api_client(admin).post(
        url(installation, "/update"), {"version": "1.1.0", "consent": True}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == "1.1.0"
    assert [s["scope"] for s in body["granted_scopes"]] == [
        "crm.accounts:read",
        "fin.invoices:full",
        "users:read",
    ]
    assert body["update_available"] is None
    installation.refresh_from_db()
    assert installation.version == v2
    assert installation.scopes_revision == 2


def test_a_narrowing_update_needs_no_consent(admin, app, installation, v1):
    make_version(
        app=app,
        number="1.2.0",
        status="published",
        settings=SETTINGS,
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Customers."}],
        webhooks=[],
    )
    client = api_client(admin)
    plan = client.get(url(installation, "/update?version=1.2.0")).json()
    assert plan["needs_consent"] is False
    assert plan["removed"] == ["fin.invoices:full"]
    response = client.post(url(installation, "/update"), {"version": "1.2.0"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["webhooks"] == []
    assert Installation.objects.get().granted_scopes == ["crm.accounts:read"]


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("", {}),
        ("?version=", {"version": ""}),
        ("?version=9.9.9", {"version": "9.9.9"}),
        ("?version=1.0.0", {"version": "1.0.0"}),  # the installed one
        ("?version=0.9.0", {"version": "0.9.0"}),  # older
        ("?version=1.3.0", {"version": "1.3.0"}),  # a draft of another account's app
        ("?version=1.4.0", {"version": "1.4.0"}),  # in review
    ],
)
def test_unknown_older_or_unpublished_versions_are_refused_by_field(
    admin, account, publisher, query, body
):
    app = make_app(account=publisher, name="Versions")
    make_version(app=app, number="0.9.0", status="published", settings=SETTINGS)
    installed = make_version(app=app, number="1.0.0", status="published", settings=SETTINGS)
    make_version(app=app, number="1.3.0", status="draft", settings=SETTINGS)
    make_version(app=app, number="1.4.0", status="in_review", settings=SETTINGS)
    installation = make_installation(account=account, version=installed, by_user=admin)
    client = api_client(admin)
    before = snapshot()
    assert_error(
        client.get(url(installation, f"/update{query}")), 400, "invalid", fields={"version"}
    )
    assert_error(
        client.post(url(installation, "/update"), {**body, "consent": True}, format="json"),
        400,
        "invalid",
        fields={"version"},
    )
    assert snapshot() == before


def test_consent_must_be_a_boolean(admin, installation, v2):
    response = api_client(admin).post(
        url(installation, "/update"), {"version": "1.1.0", "consent": "perhaps"}, format="json"
    )
    assert_error(response, 400, "invalid", fields={"consent"})


def test_the_developers_own_account_may_update_to_a_draft(developer, account, admin):
    own = make_app(account=account, name="In-house")
    first = make_version(app=own, number="1.0.0", status="published")
    make_version(app=own, number="1.1.0", status="draft")
    installation = make_installation(account=account, version=first, by_user=admin)
    response = api_client(admin).post(
        url(installation, "/update"), {"version": "1.1.0"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == "1.1.0"


def test_an_uninstalling_installation_cannot_update(admin, installation, v2):
    client = api_client(admin)
    client.post(url(installation, "/uninstall"))
    before = snapshot()
    response = client.post(
        url(installation, "/update"), {"version": "1.1.0", "consent": True}, format="json"
    )
    assert_error(response, 409, "not_active")
    assert snapshot() == before
