"""Installs started on the marketplace of a version that declares ``install_start_url``:
the Install button (catalog, install link, own account) sends the browser through
``/oauth/install/`` to the app's start URL with ``iss``, ``account`` and ``version`` (or
``install_link``); the app then starts an ordinary authorization with its own ``state`` and
PKCE. Nothing is written before the app's own request reaches consent. A version without
one is installed as before, by the marketplace itself."""

from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from apps.installations.models import Installation
from apps.oauth.models import Grant
from console.installations.links import authorize_url as install_url
from tests.apps.oauth.conftest import publish
from tests.factories.catalog import make_install_link
from tests.factories.oauth import (
    REDIRECT_URI,
    allow,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
)

pytestmark = pytest.mark.django_db

START = "https://invoicer.example.com/marketplace/install?from=market"


@pytest.fixture
def starting(developer_account):
    """Invoicer, whose published version declares an install start URL."""
    return publish(developer_account, install_start_url=START)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def nothing_written() -> bool:
    return not (Installation.objects.exists() or Grant.objects.exists())


def test_the_install_button_goes_to_the_apps_start_url(client_for, admin, account, starting):
    button = install_url(app=starting.app, version=starting.version, account=account)
    assert button.startswith("/oauth/install/?")

    response = client_for(admin).get(button)

    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith(START + "&")
    assert _query(target) == {
        "from": "market",
        "iss": "http://testserver",
        "account": "acme",
        "version": "1.0.0",
    }
    assert response["Referrer-Policy"] == "no-referrer"
    assert nothing_written()


def test_an_install_link_is_passed_on_to_the_app(client_for, admin, account, starting):
    _link, token = make_install_link(version=starting.version)
    button = install_url(
        app=starting.app, version=starting.version, account=account, install_link_token=token
    )

    response = client_for(admin).get(button)

    params = _query(response["Location"])
    assert params["install_link"] == token
    assert params["version"] == "1.0.0"
    assert params["account"] == "acme"
    assert nothing_written()


def test_the_app_then_installs_with_its_own_state_and_pkce(client_for, admin, account, starting):
    browser = client_for(admin)
    start = _query(
        browser.get(install_url(app=starting.app, version=starting.version, account=account))[
            "Location"
        ]
    )
    verifier, challenge = pkce_pair()

    # What the app's start URL does: an ordinary authorization request, passing on
    # account and version.
    url = authorize_url(
        starting.client_id,
        challenge=challenge,
        state="apps-own-state",
        account=start["account"],
        version=start["version"],
    )
    callback = callback_params(allow(browser, url))

    assert callback["state"] == "apps-own-state"
    assert callback["iss"] == start["iss"]
    assert Grant.objects.get().code_challenge == challenge
    tokens = exchange(starting.client_id, starting.secret, callback["code"], verifier)
    assert tokens.status_code == 200, tokens.content
    assert Installation.objects.get().account == account


def test_a_version_without_a_start_url_is_installed_by_the_marketplace(
    client_for, admin, account, published
):
    button = install_url(app=published.app, version=published.version, account=account)

    assert button.startswith("/oauth/authorize/?")
    assert _query(button)["redirect_uri"] == REDIRECT_URI
    assert client_for(admin).get(button).status_code == 200  # the consent screen


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "unknown", "account": "acme", "version": "1.0.0"},
        {"account": "acme", "version": "9.9.9"},
        {"account": "acme", "install_link": "mil_not-a-link"},
    ],
    ids=["unknown-client", "unknown-version", "unknown-link"],
)
def test_what_cannot_be_started_goes_to_the_consent_screen_to_be_explained(
    client_for, admin, starting, params
):
    params = {"client_id": starting.client_id, **params}

    response = client_for(admin).get("/oauth/install/?" + urlencode(params))

    assert response.status_code == 302
    assert response["Location"].startswith("/oauth/authorize/?")
    assert nothing_written()


def test_anonymous_visitors_sign_in_first(client, starting):
    query = urlencode({"client_id": starting.client_id, "account": "acme", "version": "1.0.0"})

    response = client.get("/oauth/install/?" + query)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_another_apps_start_url_is_never_used(client_for, admin, account, starting):
    other = publish(starting.app.account, name="Other", install_start_url="https://evil.example/x")
    query = urlencode(
        {"client_id": starting.client_id, "account": "acme", "version": other.version.number}
    )

    response = client_for(admin).get("/oauth/install/?" + query)

    assert response["Location"].startswith(START)
