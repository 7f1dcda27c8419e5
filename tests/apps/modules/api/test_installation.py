"""An app's own installation: ``GET /api/v1/installation`` and
``GET /api/v1/installation/user-settings``, with any access token of the installation.
Secret values reach only a request that also authenticates the app's client; a bare user
token (which may come from a browser) sees "set / not set"."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_settings_save
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db

SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "api_secret", "level": "app", "type": "secret", "label": "Their API secret"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
    {"key": "user_token", "level": "user", "type": "secret", "label": "Personal token"},
]


@pytest.fixture
def app_world(account, admin, member, other_account):
    app, secret = make_app_with_secret(account=other_account, name="Invoicer")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Shows customers."}],
        webhooks=[],
        settings=SETTINGS,
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    actor = actor_for_user(
        user=admin, membership=Membership.objects.get(account=account, user=admin)
    )
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme", "api_secret": "s3cr3t-value"},
        actor=actor,
    )
    installation_settings_save(
        installation=installation,
        level="user",
        user=admin,
        values={"signature": "Best, Ada", "user_token": "personal-123"},
        actor=actor,
    )
    return {
        "installation": installation,
        "client_id": app.oauth_application.client_id,
        "secret": secret,
        "token": issue_token(installation=installation, user=admin),
    }


def _get(path, token, **headers):
    return api_client(key=token).get(f"{API}/{path}", **headers)


def _settings(body):
    return {s["key"]: (s["is_set"], s["value"]) for s in body["settings"]}


def test_the_installation_answers_its_account_version_scopes_and_settings(app_world, account):
    response = _get("installation", app_world["token"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == app_world["installation"].pk
    assert body["account"] == {"domain": "acme", "language": account.language}
    assert body["app"]["name"] == "Invoicer"
    assert body["version"] == "1.0.0"
    assert body["granted_scopes"] == ["crm.accounts:read"]
    assert _settings(body) == {"company_name": (True, "Acme"), "api_secret": (True, None)}
    assert body["secrets_shown"] is False
    assert "s3cr3t-value" not in response.content.decode()


def test_the_apps_backend_with_its_client_credentials_sees_secret_values(app_world):
    headers = {
        "HTTP_X_CLIENT_ID": app_world["client_id"],
        "HTTP_X_CLIENT_SECRET": app_world["secret"],
    }

    app_level = _get("installation", app_world["token"], **headers).json()
    user_level = _get("installation/user-settings", app_world["token"], **headers).json()

    assert _settings(app_level)["api_secret"] == (True, "s3cr3t-value")
    assert app_level["secrets_shown"] is True
    assert _settings(user_level) == {
        "signature": (True, "Best, Ada"),
        "user_token": (True, "personal-123"),
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_CLIENT_ID": "someone-else", "HTTP_X_CLIENT_SECRET": "x"},
        {"HTTP_X_CLIENT_SECRET": "guess"},
        {"HTTP_X_CLIENT_ID": "__own__", "HTTP_X_CLIENT_SECRET": "wrong"},
        {"HTTP_X_CLIENT_ID": "__own__"},
    ],
)
def test_wrong_client_credentials_are_refused_not_downgraded(app_world, headers):
    headers = {k: app_world["client_id"] if v == "__own__" else v for k, v in headers.items()}

    response = _get("installation", app_world["token"], **headers)

    assert_error(response, 401, "invalid_client", fields={"X-Client-Secret"})
    assert "s3cr3t" not in response.content.decode()


def test_user_settings_are_the_token_users_own(app_world, member, account):
    from apps.installations.services import installation_access_set

    installation = app_world["installation"]
    admin_membership = Membership.objects.filter(account=account, is_admin=True).first()
    installation_access_set(
        installation=installation,
        role_ids=[Membership.objects.get(user=member).role_id],
        group_ids=[],
        actor=actor_for_user(user=admin_membership.user, membership=admin_membership),
    )
    token = issue_token(installation=installation, user=member)

    body = _get("installation/user-settings", token).json()

    assert body["user"] == member.pk
    assert _settings(body) == {"signature": (False, None), "user_token": (False, None)}


def test_a_bare_token_sees_user_secrets_as_set_only(app_world):
    response = _get("installation/user-settings", app_world["token"])

    assert _settings(response.json())["user_token"] == (True, None)
    assert "personal-123" not in response.content.decode()


@pytest.mark.parametrize("path", ["installation", "installation/user-settings"])
def test_api_keys_sessions_and_anonymous_callers_are_refused(path, app_world, account_key, admin):
    assert_error(api_client(key=account_key).get(f"{API}/{path}"), 401, "not_authenticated")
    assert_error(api_client(admin).get(f"{API}/{path}"), 401, "not_authenticated")
    assert_error(api_client().get(f"{API}/{path}"), 401, "not_authenticated")


def test_a_patch_changes_only_the_token_users_own_settings(app_world, account, admin, member):
    from apps.installations.models import SettingValue

    client = api_client(key=app_world["token"])

    response = client.patch(
        f"{API}/installation/user-settings",
        {"values": {"signature": "Cheers", "user_token": "new-token"}},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert _settings(response.json()) == {
        "signature": (True, "Cheers"),
        "user_token": (True, None),
    }
    assert "new-token" not in response.content.decode()
    rows = SettingValue.objects.filter(installation=app_world["installation"])
    assert rows.get(key="signature").user == admin
    assert not rows.filter(user=member).exists()
    assert rows.get(key="company_name", user=None).value == "Acme"


def test_a_patch_names_each_bad_key_and_saves_nothing(app_world):
    from apps.installations.models import SettingValue

    before = list(SettingValue.objects.values_list("key", "value", "secret"))

    response = api_client(key=app_world["token"]).patch(
        f"{API}/installation/user-settings",
        {"values": {"signature": "Ok", "company_name": "Not mine", "nope": 1}},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"company_name", "nope"} <= set(error["fields"])
    assert list(SettingValue.objects.values_list("key", "value", "secret")) == before


def test_a_patch_with_unknown_body_fields_is_refused(app_world):
    response = api_client(key=app_world["token"]).patch(
        f"{API}/installation/user-settings", {"settings": {}}, format="json"
    )

    assert_error(response, 400, "invalid", fields={"settings"})


def test_an_app_token_reaches_no_other_installations_settings(app_world, account, admin):
    from apps.core.errors import NotFound, PermissionDenied
    from apps.installations.services import installation_settings_save
    from apps.oauth.selectors import access_token_get_by_checksum, token_checksum

    other_app, _ = make_app_with_secret(account=account, name="Other")
    other = make_installation(
        account=account,
        version=make_version(app=other_app, status="published", webhooks=[], settings=SETTINGS),
        by_user=admin,
    )
    actor = access_token_get_by_checksum(checksum=token_checksum(app_world["token"])).actor()

    with pytest.raises(NotFound):
        installation_settings_save(
            installation=other, level="user", user=admin, values={"signature": "x"}, actor=actor
        )
    with pytest.raises(PermissionDenied):
        installation_settings_save(
            installation=app_world["installation"],
            level="app",
            user=None,
            values={"company_name": "x"},
            actor=actor,
        )
