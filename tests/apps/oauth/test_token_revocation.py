"""Who may revoke a token at /oauth/revoke_token/ (RFC 7009): the client it was issued
to, authenticated. A call without client credentials, with the client_id alone or a wrong
secret (the app is a confidential client) is 401 invalid_client; another app, however
well authenticated, revokes nothing of this app's (the server may answer 200 as for an
unknown token). After every refusal the token still works."""

import base64

import pytest
from django.test import Client

from apps.oauth.models import AccessToken, RefreshToken
from tests.apps.oauth.conftest import install, publish, tokens_for
from tests.factories.oauth import api_get, refresh

pytestmark = pytest.mark.django_db

URL = "/oauth/revoke_token/"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


@pytest.fixture
def issued(client_for, admin, account, published):
    """The installed app's access and refresh tokens for the account's admin, and
    another app (of the same developer) with its own credentials."""
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "app": published,
        "other": publish(published.app.account, name="Other app"),
    }


def state() -> dict:
    return {
        "access": list(AccessToken.objects.order_by("pk").values_list("pk", "expires")),
        "refresh": list(RefreshToken.objects.order_by("pk").values_list("pk", "revoked")),
    }


def still_works(issued) -> None:
    assert api_get("/api/v1/users/me", issued["access_token"]).status_code == 200


def refresh_still_works(issued) -> None:
    app = issued["app"]
    assert refresh(app.client_id, app.secret, issued["refresh_token"]).status_code == 200


def no_credentials(issued, hint, browser):
    return Client().post(URL, {"token": issued[hint], "token_type_hint": hint})


def client_id_alone(issued, hint, browser):
    data = {"token": issued[hint], "token_type_hint": hint, "client_id": issued["app"].client_id}
    return Client().post(URL, data)


def wrong_secret(issued, hint, browser):
    return Client().post(
        URL,
        {"token": issued[hint], "token_type_hint": hint},
        **_basic(issued["app"].client_id, "wrong-secret"),
    )


def signed_in_browser(issued, hint, browser):
    """The token's own user, signed in to the console: a session is no client."""
    return browser.post(URL, {"token": issued[hint], "token_type_hint": hint})


UNAUTHENTICATED = [no_credentials, client_id_alone, wrong_secret, signed_in_browser]


@pytest.mark.parametrize("hint", ["access_token", "refresh_token"])
@pytest.mark.parametrize("call", UNAUTHENTICATED, ids=lambda call: call.__name__)
def test_an_unauthenticated_call_is_invalid_client_and_revokes_nothing(
    client_for, admin, issued, call, hint
):
    before = state()

    response = call(issued, hint, client_for(admin))

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"
    assert state() == before
    still_works(issued)
    refresh_still_works(issued)


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", None])
@pytest.mark.parametrize("credentials", ["basic", "form"])
def test_another_client_revokes_nothing_of_this_apps(issued, hint, credentials):
    other = issued["other"]
    token = issued[hint or "access_token"]
    data = {"token": token, **({"token_type_hint": hint} if hint else {})}
    if credentials == "form":
        data.update(client_id=other.client_id, client_secret=other.secret)
        extra = {}
    else:
        extra = _basic(other.client_id, other.secret)
    before = state()

    response = Client().post(URL, data, **extra)

    assert response.status_code == 200, response.content  # as for an unknown token
    assert state() == before
    still_works(issued)
    refresh_still_works(issued)


@pytest.mark.parametrize("hint", ["access_token", "refresh_token"])
def test_the_client_the_token_was_issued_to_revokes_it(issued, hint):
    app = issued["app"]

    response = Client().post(
        URL, {"token": issued[hint], "token_type_hint": hint}, **_basic(app.client_id, app.secret)
    )

    assert response.status_code == 200, response.content
    if hint == "access_token":
        assert api_get("/api/v1/users/me", issued["access_token"]).status_code == 401
    else:
        assert refresh(app.client_id, app.secret, issued["refresh_token"]).status_code == 400
