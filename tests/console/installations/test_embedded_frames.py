"""Where installed apps appear (main menu, home widgets, the settings page) and the host
bridge's endpoints for a frame: a fresh launch token, the user's own tokens, whether a
user-level app is authorized."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from apps.installations.services import (
    installation_settings_save,
    installation_update,
    user_authorization_record,
)
from apps.oauth.models import AccessToken
from tests.console.installations.conftest import SECRET, SETTINGS, install
from tests.factories import make_app, make_version
from tests.factories.installations import issue_token

pytestmark = pytest.mark.django_db

MENU = {
    "id": "menu",
    "location": "main_menu",
    "code": "app.home",
    "url": "https://invoicer.example.com/embed/home",
    "title": "Invoices",
}
WIDGET = {
    "id": "widget",
    "location": "dashboard.widget",
    "code": "app.widget",
    "url": "https://invoicer.example.com/embed/widget",
    "title": "Unpaid invoices",
}
SETTINGS_PAGE = {
    "id": "setup",
    "location": "settings.page",
    "code": "app.setup",
    "url": "https://invoicer.example.com/embed/setup",
    "title": "Invoicer setup",
}


def bridge(name, installation, embedding_id="menu"):
    return reverse(
        f"console:embedding:{name}",
        kwargs={"installation_id": installation.pk, "embedding_id": embedding_id},
    )


def _actor(user, account):
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


@pytest.fixture
def placed(other_account, account, admin, sales_role):
    """Invoicer with a menu page, a widget and a settings page, open to Sales."""
    app = make_app(account=other_account, name="Invoicer", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        settings=SETTINGS,
        embeddings=[MENU, WIDGET, SETTINGS_PAGE],
    )
    installation = install(account=account, version=version, admin_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


def menu(client):
    return client.get("/apps/menu/?path=/").content.decode()


def test_every_member_page_loads_the_apps_menu(client_for, member, placed):
    html = client_for(member).get("/").content.decode()
    assert 'id="app-menu-slot" data-app-menu="/apps/menu/?path=%2F"' in html


def test_a_member_who_may_use_the_app_finds_it_in_the_main_menu(client_for, member, placed):
    html = menu(client_for(member))
    assert 'id="app-menu"' in html
    assert f'href="/apps/{placed.pk}/open/menu/"' in html
    assert ">Invoices</a>" in html


def test_a_member_without_access_sees_no_menu_item_and_no_widget(
    client_for, member, placed, sales_role
):
    InstallationAccess.objects.filter(installation=placed).delete()
    assert 'id="app-menu"' not in menu(client_for(member))
    html = client_for(member).get("/").content.decode()
    assert "data-embedded" not in html
    assert client_for(member).get(f"/apps/{placed.pk}/open/menu/").status_code == 403


def test_the_home_shows_the_widgets_frames(client_for, member, placed):
    html = client_for(member).get("/").content.decode()
    assert f'data-widget="{placed.pk}:widget"' in html
    assert f"/apps/{placed.pk}/embedded/widget/launch/?launch=" in html  # test_embedded_launch
    assert "Loading Unpaid invoices…" in html


def test_the_settings_page_is_for_admins(client_for, admin, member, placed):
    detail = client_for(admin).get(f"/apps/installed/{placed.pk}/").content.decode()
    assert f'href="/apps/{placed.pk}/open/setup/"' in detail
    assert client_for(admin).get(f"/apps/{placed.pk}/open/setup/").status_code == 200
    assert client_for(member).get(f"/apps/{placed.pk}/open/setup/").status_code == 404


def test_an_update_that_drops_a_location_removes_it_at_once(
    client_for, member, admin, account, placed
):
    v2 = make_version(
        app=placed.app, number="1.1.0", status="published", settings=SETTINGS, embeddings=[WIDGET]
    )
    installation_update(installation=placed, version=v2, actor=_actor(admin, account), consent=True)
    client = client_for(member)
    assert 'id="app-menu"' not in menu(client)
    html = client.get("/").content.decode()
    assert f'data-widget="{placed.pk}:widget"' in html
    assert client.get(f"/apps/{placed.pk}/open/menu/").status_code == 404
    response = client.post(bridge("launch-token", placed))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_such_embedding"


def test_a_fresh_launch_token(client_for, member, placed):
    response = client_for(member).post(bridge("launch-token", placed))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    claims = jwt.decode(
        body["launch_token"], KeySet.import_key_set(jwks()), algorithms=["ES256"]
    ).claims
    assert claims["sub"] == str(member.pk)
    assert claims["exp"] == body["expires_at"]
    assert claims["access"] == ["crm.accounts:read"]  # Sales: crm full; no fin right


def test_auth_tokens_are_the_current_users_own_and_work_on_the_api(
    client_for, member, admin, placed
):
    client = client_for(member)
    first = client.post(bridge("tokens", placed)).json()
    again = client.post(bridge("tokens", placed)).json()
    assert again["access_token"] == first["access_token"]
    assert 0 < first["expires_in"] <= 3600
    token = AccessToken.objects.get()
    assert token.user == member and token.installation == placed
    api = Client().get("/api/v1/crm/account/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert api.status_code == 200
    # Another user's session gets that user's tokens, never the member's.
    admins = client_for(admin).post(bridge("tokens", placed)).json()
    assert admins["access_token"] != first["access_token"]
    assert set(AccessToken.objects.values_list("user__email", flat=True)) == {
        "member@acme.test",
        "admin@acme.test",
    }


def test_a_revoked_pair_is_replaced(client_for, member, placed):
    client = client_for(member)
    first = client.post(bridge("tokens", placed)).json()
    AccessToken.objects.all().delete()
    second = client.post(bridge("tokens", placed)).json()
    assert second["access_token"] != first["access_token"]


def test_the_frames_calls_are_rate_limited(client_for, member, placed, settings):
    settings.EMBEDDING_SDK_CALLS_PER_MINUTE = 2
    client = client_for(member)
    assert client.post(bridge("status", placed)).status_code == 200
    assert client.post(bridge("status", placed)).status_code == 200
    response = client.post(bridge("status", placed))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"


def test_a_user_level_app_asks_for_authorization_first(
    client_for, other_account, account, admin, member, sales_role
):
    app = make_app(account=other_account, name="Notes", type="public")
    version = make_version(
        app=app, number="1.0.0", status="published", authorization="user", embeddings=[MENU]
    )
    installation = install(account=account, version=version, admin_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    client = client_for(member)

    page = client.get(f"/apps/{installation.pk}/open/menu/")
    html = page.content.decode()
    assert "data-authorize-button" in html and "<iframe" not in html
    assert client.post(bridge("status", installation)).json() == {"authorized": False}
    refused = client.post(bridge("tokens", installation))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_authorized"
    assert not AccessToken.objects.exists()

    user_authorization_record(
        installation=installation,
        user=member,
        scopes=installation.granted_scopes,
        actor=_actor(member, account),
    )
    assert client.post(bridge("status", installation)).json() == {"authorized": True}
    assert "<iframe" in client.get(f"/apps/{installation.pk}/open/menu/").content.decode()
    assert client.post(bridge("tokens", installation)).status_code == 200


def test_secret_settings_never_reach_the_browser(client_for, admin, account, placed):
    installation_settings_save(
        installation=placed,
        level="app",
        user=None,
        values={"api_token": SECRET, "company_name": "Acme"},
        actor=_actor(admin, account),
    )
    client = client_for(admin)
    answers = [
        client.get("/").content.decode(),
        client.get(f"/apps/{placed.pk}/open/menu/").content.decode(),
        json.dumps(client.post(bridge("launch-token", placed)).json()),
        json.dumps(client.post(bridge("tokens", placed)).json()),
    ]
    for answer in answers:
        assert SECRET not in answer
        assert SECRET[-8:] not in answer


def test_an_app_token_is_not_a_console_session(client_for, member, placed):
    raw = issue_token(installation=placed, user=member)

    response = Client().post(bridge("tokens", placed), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 302  # to the login page: the bridge is for the console


def test_settings_reach_the_browser_without_secrets(client_for, admin, member, account, placed):
    installation_settings_save(
        installation=placed,
        level="app",
        user=None,
        values={"api_token": SECRET, "company_name": "Acme"},
        actor=_actor(admin, account),
    )
    client = client_for(member)
    app_settings = client.post(bridge("settings-app", placed)).json()
    assert app_settings["company_name"] == "Acme"
    assert app_settings["api_token"] == {"set": True}
    assert app_settings["letterhead"] == {"file": None}
    assert SECRET[-4:] not in json.dumps(app_settings)

    saved = client.post(
        bridge("settings-user", placed),
        data=json.dumps({"values": {"signature": "M.", "my_token": "tok-secret-123456"}}),
        content_type="application/json",
    ).json()
    assert saved == {"signature": "M.", "my_token": {"set": True}}
    assert client.post(bridge("settings-user", placed)).json() == saved
    # Another user's settings are their own: the admin has none.
    assert client_for(admin).post(bridge("settings-user", placed)).json() == {
        "signature": None,
        "my_token": {"set": False},
    }


def test_bad_user_settings_are_refused_naming_the_field(client_for, member, placed):
    client = client_for(member)
    response = client.post(
        bridge("settings-user", placed),
        data=json.dumps({"values": {"company_name": "x"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "company_name" in response.json()["error"]["fields"]
    empty = client.post(bridge("settings-user", placed), data="{}", content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["error"]["fields"] == {"values": ["Give at least one setting."]}
