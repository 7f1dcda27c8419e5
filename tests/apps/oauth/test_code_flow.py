"""The authorization code flow through the test client: install with consent, exchange
with PKCE, call the API, refresh, and what stops a token."""

import pytest

from apps.installations.models import Installation, InstallationStatus
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.oauth import (
    allow,
    api_get,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
    refresh,
)

pytestmark = pytest.mark.django_db

SCOPES = [
    {"code": "users", "level": "read", "reason": "Lists your colleagues."},
    {"code": "crm.accounts", "level": "read", "reason": "Shows customers."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
]


@pytest.fixture
def published(other_account, admin):
    app, secret = make_app_with_secret(account=other_account, name="Invoicer")
    version = make_version(app=app, status="published", scopes=SCOPES)
    return app, secret, version


def test_install_exchange_call_refresh(client_for, admin, account, published):
    app, secret, _version = published
    client_id = app.oauth_application.client_id
    verifier, challenge = pkce_pair()
    browser = client_for(admin)
    response = allow(browser, authorize_url(client_id, challenge=challenge))
    params = callback_params(response)
    assert params["state"] == "s-123"
    assert params["account"] == "acme"
    installation = Installation.objects.get(account=account, app=app)
    assert installation.granted_scopes == ["crm.accounts:read", "fin.invoices:full", "users:read"]

    tokens = exchange(client_id, secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.content
    body = tokens.json()
    assert body["scope"] == "crm.accounts:read fin.invoices:full users:read"

    me = api_get("/api/v1/users/me", body["access_token"])
    assert me.status_code == 200, me.content
    assert me.json()["email"] == "admin@acme.test"
    users = api_get("/api/v1/users", body["access_token"])
    assert users.status_code == 200, users.content

    renewed = refresh(client_id, secret, body["refresh_token"])
    assert renewed.status_code == 200, renewed.content
    # the old refresh token again: the whole family dies
    replay = refresh(client_id, secret, body["refresh_token"])
    assert replay.status_code == 400
    assert api_get("/api/v1/users/me", renewed.json()["access_token"]).status_code == 401

    # a second authorization of the installed account-level app needs no consent
    again = browser.get(authorize_url(client_id, challenge=challenge))
    assert "code" in callback_params(again)

    Installation.objects.filter(pk=installation.pk).update(status=InstallationStatus.UNINSTALLING)


def test_cancel_sends_user_denied(client_for, admin, account, published):
    app, _secret, _version = published
    response = allow(client_for(admin), authorize_url(app.oauth_application.client_id), "cancel")
    params = callback_params(response)
    assert params == {
        "error": "user_denied",
        "error_description": "The user cancelled.",
        "state": "s-123",
        "iss": "http://testserver",
    }
    assert not Installation.objects.exists()
