"""``GET /api/v1/connection``: only an app token of the installation together with the
app's client credentials reads the connection (sensitive parameters included); a
session, an API key, a bare token or wrong credentials get 401 and nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.connections.services import connection_parameters_save
from tests.apps.api.helpers import API
from tests.apps.connections.conftest import API_KEY, GENERIC
from tests.apps.connections.test_oauth_flow import actor_of
from tests.factories import ApiKeyFactory, make_version
from tests.factories.catalog import make_app_with_secret
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db
URL = f"{API}/connection"


@pytest.fixture
def weather(other_account):
    app, secret = make_app_with_secret(account=other_account, name="Weather")
    make_version(app=app, number="1.0.0", status="published", connection=GENERIC)
    return app, secret


@pytest.fixture
def installed(weather, account, admin):
    app, secret = weather
    installation = make_installation(
        account=account, version=app.versions.get(number="1.0.0"), by_user=admin
    )
    connection_parameters_save(
        installation=installation,
        values={"api_key": API_KEY, "region": "eu"},
        actor=actor_of(admin),
    )
    token = issue_token(installation=installation, user=admin)
    return installation, app, secret, token


def call(token=None, client_id=None, secret=None, client=None):
    client = client or APIClient()
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if client_id:
        headers["HTTP_X_CLIENT_ID"] = client_id
    if secret:
        headers["HTTP_X_CLIENT_SECRET"] = secret
    return client.get(URL, **headers)


def test_the_backend_reads_the_parameters_with_token_and_client_credentials(installed):
    _installation, app, secret, token = installed

    response = call(token, app.oauth_application.client_id, secret)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["type"] == "generic" and body["state"] == "ready"
    assert body["parameters"] == {"api_key": API_KEY, "region": "eu"}
    assert body["missing"] == [] and body["test"] is None


@pytest.mark.parametrize(
    "how", ["no_credentials", "wrong_secret", "other_client_id", "secret_only"]
)
def test_a_token_without_the_apps_credentials_is_refused(installed, how):
    _installation, app, secret, token = installed
    client_id = app.oauth_application.client_id
    args = {
        "no_credentials": (token, None, None),
        "wrong_secret": (token, client_id, "not-the-secret"),
        "other_client_id": (token, "someone-else", secret),
        "secret_only": (token, None, secret),
    }[how]

    response = call(*args)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "client_credentials_required"
    assert API_KEY not in response.content.decode()


def test_a_session_or_an_api_key_is_not_an_app(installed, admin, account):
    _installation, app, secret, _token = installed
    session = APIClient()
    session.force_login(admin)
    _key, raw_key = ApiKeyFactory(account=account)

    by_session = call(None, app.oauth_application.client_id, secret, client=session)
    by_key = call(raw_key, app.oauth_application.client_id, secret)
    anonymous = call()

    for response in (by_session, by_key, anonymous):
        assert response.status_code == 401
        assert API_KEY not in response.content.decode()


def test_another_apps_token_with_its_own_credentials_reads_only_its_own(
    installed, account, admin, other_account
):
    other_app, other_secret = make_app_with_secret(account=other_account, name="Other")
    version = make_version(app=other_app, number="1.0.0", status="published")
    other = make_installation(account=account, version=version, by_user=admin)
    token = issue_token(installation=other, user=admin)

    body = call(token, other_app.oauth_application.client_id, other_secret).json()

    assert body["type"] == "none" and body["parameters"] == {}
