"""``GET /api/v1/connection`` across the personas of the module API's access matrix
(tests/apps/modules/api/test_access_matrix.py): app tokens used by members whose role
has no right, read or full rights, and by an admin; tokens claiming an unrelated scope,
no scope, or more than the installation grants; API keys of the account and of another;
a console session; anonymous callers; another account's installation and another app.

The endpoint needs no module scope or right: it answers the installation's own
connection to the app's backend, which proves itself with the app's client id and
secret beside any token of the installation. Without them, or with another app's, 401
and nothing; a refusal never changes a row.
"""

from __future__ import annotations

import pytest

from apps.connections.services import connection_parameters_save
from apps.installations.services import installation_access_set, installation_uninstall
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.connections.api_world import snapshot
from tests.apps.connections.conftest import API_KEY, GENERIC
from tests.apps.connections.oauth_world import actor_of
from tests.factories import ApiKeyFactory, MembershipFactory, RoleFactory, UserFactory
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db
URL = f"{API}/connection"
SCOPES = [{"code": "crm.accounts", "level": "read", "reason": "Shows customers."}]


def member_with(account, rights: dict[str, str], n: int):
    role = RoleFactory(account=account, name=f"Role {n}", rights=rights)
    return MembershipFactory(
        account=account, user=UserFactory(email=f"rights{n}@acme.test"), role=role
    ).user


@pytest.fixture
def weather(other_account):
    app, secret = make_app_with_secret(account=other_account, name="Weather")
    make_version(
        app=app,
        number="1.0.0",
        status="published",
        connection=GENERIC,
        scopes=SCOPES,
        webhooks=[],
    )
    return app, secret


@pytest.fixture
def installed(weather, account, admin):
    app, _secret = weather
    installation = make_installation(
        account=account, version=app.versions.get(number="1.0.0"), by_user=admin
    )
    connection_parameters_save(
        installation=installation,
        values={"api_key": API_KEY, "region": "eu"},
        actor=actor_of(admin),
    )
    installation_access_set(
        installation=installation, role_ids=[], group_ids=[], actor=actor_of(admin), everyone=True
    )
    return installation


def call(token: str | None, app=None, secret: str | None = None, client=None):
    client = client or api_client(key=token)
    headers = {}
    if app is not None:
        headers["HTTP_X_CLIENT_ID"] = app.oauth_application.client_id
    if secret is not None:
        headers["HTTP_X_CLIENT_SECRET"] = secret
    return client.get(URL, **headers)


@pytest.mark.parametrize("who", ["none", "read", "full", "admin"])
@pytest.mark.parametrize(
    "scopes", [None, ["crm.accounts:read"], ["task:full"], ["crm.accounts:full"]]
)
def test_any_token_of_the_installation_with_the_apps_credentials_reads_it(
    who, scopes, installed, weather, account, admin
):
    app, secret = weather
    rights = {"none": {}, "read": {"crm": "read"}, "full": {"crm": "full"}}
    user = admin if who == "admin" else member_with(account, rights[who], 1)
    token = issue_token(installation=installed, user=user, scopes=scopes)

    response = call(token, app, secret)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parameters"] == {"api_key": API_KEY, "region": "eu"}
    assert body["state"] == "ready"


@pytest.mark.parametrize("who", ["none", "admin"])
@pytest.mark.parametrize("how", ["bare", "secret_only", "wrong_secret", "other_apps_client"])
def test_a_token_without_the_apps_own_credentials_gets_401_and_nothing(
    who, how, installed, weather, account, admin, other_account
):
    app, secret = weather
    other_app, other_secret = make_app_with_secret(account=other_account, name="Other")
    user = admin if who == "admin" else member_with(account, {}, 2)
    token = issue_token(installation=installed, user=user)
    args = {
        "bare": (token, None, None),
        "secret_only": (token, None, secret),
        "wrong_secret": (token, app, "not-the-secret"),
        "other_apps_client": (token, other_app, other_secret),
    }[how]
    before = snapshot()

    response = call(*args)

    assert response.status_code == 401
    assert API_KEY not in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("caller", ["anonymous", "session", "api_key", "other_api_key"])
def test_no_app_token_no_connection(caller, installed, weather, account, admin, other_account):
    app, secret = weather
    client = api_client()
    token = None
    if caller == "session":
        client = api_client(admin)
    elif caller == "api_key":
        token = ApiKeyFactory(account=account)[1]
    elif caller == "other_api_key":
        token = ApiKeyFactory(account=other_account)[1]
    before = snapshot()

    response = call(token, app, secret, client=client if token is None else None)

    assert_error(response, 401, "not_authenticated")
    assert API_KEY not in response.content.decode()
    assert snapshot() == before


def test_another_accounts_installation_reads_only_its_own(
    installed, weather, other_account, outsider
):
    app, secret = weather
    theirs = make_installation(
        account=other_account, version=app.versions.get(number="1.0.0"), by_user=outsider
    )
    token = issue_token(installation=theirs, user=outsider)

    body = call(token, app, secret).json()

    assert body["parameters"] == {} and body["state"] == "needs_setup"
    assert body["missing"] == ["API key", "Region"]


def test_a_member_who_may_no_longer_use_the_app_is_refused(installed, weather, account, admin):
    app, secret = weather
    user = member_with(account, {"crm": "full"}, 3)
    token = issue_token(installation=installed, user=user)
    installation_access_set(
        installation=installed, role_ids=[], group_ids=[], actor=actor_of(admin), everyone=False
    )
    before = snapshot()

    response = call(token, app, secret)

    assert_error(response, 401, "invalid_token")
    assert API_KEY not in response.content.decode()
    assert snapshot() == before


def test_an_uninstalled_installations_token_is_refused(installed, weather, admin):
    app, secret = weather
    token = issue_token(installation=installed, user=admin)
    installation_uninstall(installation=installed, actor=actor_of(admin))

    response = call(token, app, secret)

    assert response.status_code == 401
    assert API_KEY not in response.content.decode()
