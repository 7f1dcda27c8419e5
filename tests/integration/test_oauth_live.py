"""The authorization server against a real OAuth client library over HTTP.

A live server runs the project; the person's browser is a ``requests.Session`` that signs
in through the console's login form and answers the consent page; the app is Authlib's
``OAuth2Session`` with PKCE (S256): install, code exchange, API call, refresh, refresh
token reuse, revocation (RFC 7009), Cancel, and the server metadata (RFC 8414).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from apps.installations.models import Installation
from apps.oauth.models import AccessToken, Grant
from apps.oauth.scopes import catalogue
from tests.apps.oauth.conftest import Published, publish
from tests.factories import AccountFactory
from tests.factories.accounts import PASSWORD
from tests.factories.oauth import REDIRECT_URI

pytestmark = pytest.mark.django_db(transaction=True)

SCOPE = "crm.accounts:read fin.invoices:full users:read"


@pytest.fixture(autouse=True)
def _http_is_fine_here(monkeypatch):
    # The live server speaks plain HTTP on localhost; Authlib refuses that by default.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def app_of_developer(transactional_db) -> Published:
    return publish(AccountFactory(slug="devstudio", name="Dev Studio"))


class Browser:
    """A person's browser: signs in through the login form and answers the consent page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def sign_in(self, email: str) -> None:
        login = self.base + "/login/"
        self.http.get(login, timeout=10).raise_for_status()
        response = self.http.post(
            login,
            data={
                "username": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.http.cookies["csrftoken"],
            },
            headers={"Referer": login},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]

    def consent(self, url: str, decision: str = "allow") -> str:
        """Open the authorize URL, press Allow (or Cancel); the callback URL it ends on."""
        page = self.http.get(url, allow_redirects=False, timeout=10)
        if page.status_code == 302:
            return page.headers["Location"]
        assert page.status_code == 200, page.text[:800]
        html = page.text
        version_id = _hidden(html, "version_id")
        mode = _hidden(html, "mode")
        response = self.http.post(
            url,
            data={
                "decision": decision,
                "version_id": version_id,
                "mode": mode,
                "csrfmiddlewaretoken": self.http.cookies["csrftoken"],
            },
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:800]
        return response.headers["Location"]


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _session(base: str, app: Published, **kwargs) -> OAuth2Session:
    return OAuth2Session(
        client_id=app.client_id,
        client_secret=app.secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        **kwargs,
    )


def _authorize(base: str, browser: Browser, session: OAuth2Session, decision: str = "allow"):
    verifier = generate_token(48)
    state = generate_token(16)
    url, _state = session.create_authorization_url(
        base + "/oauth/authorize/", state=state, code_verifier=verifier
    )
    callback = browser.consent(url, decision)
    return callback, verifier, state


def test_install_exchange_call_refresh_reuse_and_revoke(
    live_server, admin, account, app_of_developer
):
    base = live_server.url
    token_url = base + "/oauth/token/"
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    app = _session(base, app_of_developer)

    callback, verifier, state = _authorize(base, browser, app)

    assert callback.startswith(REDIRECT_URI + "?")
    params = {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}
    assert params["state"] == state
    assert params["account"] == "acme"
    assert params["iss"]
    installation = Installation.objects.get(account=account, app=app_of_developer.app)
    assert installation.granted_scopes == sorted(SCOPE.split())
    assert Grant.objects.get().code_challenge_method == "S256"

    token = app.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer"
    assert token["scope"] == SCOPE
    first_access, first_refresh = token["access_token"], token["refresh_token"]
    me = app.get(base + "/api/v1/users/me", timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "admin@acme.test"

    # Refresh: a new pair; rotation retires the old access token at once.
    renewed = app.refresh_token(token_url)
    assert renewed["access_token"] != first_access
    assert renewed["refresh_token"] != first_refresh
    assert renewed["scope"] == SCOPE
    assert app.get(base + "/api/v1/users/me", timeout=10).status_code == 200
    old = requests.get(
        base + "/api/v1/users/me", headers={"Authorization": f"Bearer {first_access}"}, timeout=10
    )
    assert old.status_code == 401
    assert old.json()["error"]["code"] == "invalid_token"

    # Reuse of the old refresh token: refused, and the whole family dies with it.
    replayer = _session(base, app_of_developer)
    with pytest.raises(OAuthError) as replay:
        replayer.refresh_token(token_url, refresh_token=first_refresh)
    assert replay.value.error == "invalid_grant"
    assert app.get(base + "/api/v1/users/me", timeout=10).status_code == 401
    with pytest.raises(OAuthError) as after:
        app.refresh_token(token_url)
    assert after.value.error == "invalid_grant"
    assert not AccessToken.objects.exists()

    # A fresh authorization of the installed app needs no consent; then revoke (RFC 7009).
    again = _session(base, app_of_developer)
    callback, verifier, _state = _authorize(base, browser, again)
    token = again.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)
    assert again.get(base + "/api/v1/users/me", timeout=10).status_code == 200
    revoked = again.revoke_token(
        base + "/oauth/revoke_token/", token=token["access_token"], token_type_hint="access_token"
    )
    assert revoked.status_code == 200
    assert again.get(base + "/api/v1/users/me", timeout=10).status_code == 401
    revoked = again.revoke_token(
        base + "/oauth/revoke_token/", token=token["refresh_token"], token_type_hint="refresh_token"
    )
    assert revoked.status_code == 200
    with pytest.raises(OAuthError) as refused:
        again.refresh_token(token_url, refresh_token=token["refresh_token"])
    assert refused.value.error == "invalid_grant"

    # Another app cannot revoke this app's tokens.
    third = _session(base, app_of_developer)
    callback, verifier, _state = _authorize(base, browser, third)
    token = third.fetch_token(token_url, authorization_response=callback, code_verifier=verifier)
    other = publish(app_of_developer.app.account, name="Other app")
    foreign = OAuth2Session(client_id=other.client_id, client_secret=other.secret)
    foreign.revoke_token(base + "/oauth/revoke_token/", token=token["access_token"])
    assert third.get(base + "/api/v1/users/me", timeout=10).status_code == 200


def test_a_wrong_secret_and_a_wrong_verifier_get_no_token(live_server, admin, app_of_developer):
    base = live_server.url
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    app = _session(base, app_of_developer)
    callback, verifier, _state = _authorize(base, browser, app)

    wrong_secret = OAuth2Session(
        client_id=app_of_developer.client_id,
        client_secret="not-the-secret",
        redirect_uri=REDIRECT_URI,
    )
    with pytest.raises(OAuthError) as refused:
        wrong_secret.fetch_token(
            base + "/oauth/token/", authorization_response=callback, code_verifier=verifier
        )
    assert refused.value.error == "invalid_client"
    with pytest.raises(OAuthError) as refused:
        app.fetch_token(
            base + "/oauth/token/", authorization_response=callback, code_verifier="x" * 48
        )
    assert refused.value.error == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_cancel_returns_user_denied_with_state_and_installs_nothing(
    live_server, admin, app_of_developer
):
    base = live_server.url
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    app = _session(base, app_of_developer)

    callback, _verifier, state = _authorize(base, browser, app, decision="cancel")

    assert callback.startswith(REDIRECT_URI + "?")
    params = {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}
    assert params["error"] == "user_denied"
    assert params["state"] == state
    assert params["iss"] == base
    assert "code" not in params
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()
    with pytest.raises(OAuthError):
        app.fetch_token(base + "/oauth/token/", authorization_response=callback)


def test_server_metadata(live_server):
    base = live_server.url
    response = requests.get(base + "/.well-known/oauth-authorization-server", timeout=10)
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["authorization_endpoint"] == base + "/oauth/authorize/"
    assert metadata["token_endpoint"] == base + "/oauth/token/"
    assert metadata["revocation_endpoint"] == base + "/oauth/revoke_token/"
    assert metadata["introspection_endpoint"] == base + "/oauth/introspect/"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert metadata["issuer"]
    # every code:level of the scope catalog, and nothing else
    assert metadata["scopes_supported"] == sorted(catalogue())
    assert "crm.accounts:read" in metadata["scopes_supported"]
    assert "users:full" in metadata["scopes_supported"]


def _params(callback: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}


def test_a_verifier_for_a_code_issued_without_a_challenge_gets_no_token(
    live_server, admin, app_of_developer
):
    # RFC 9700 §2.1.1: the PKCE downgrade. The code was issued without a challenge (as
    # the marketplace's own Install buttons do); a verifier of the attacker's choosing
    # must not turn it into tokens.
    base = live_server.url
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    without_pkce = OAuth2Session(
        client_id=app_of_developer.client_id,
        client_secret=app_of_developer.secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
    )
    url, _state = without_pkce.create_authorization_url(
        base + "/oauth/authorize/", state=generate_token(16)
    )
    assert "code_challenge" not in url
    callback = browser.consent(url)
    assert "code" in _params(callback)

    with pytest.raises(OAuthError) as refused:
        without_pkce.fetch_token(
            base + "/oauth/token/",
            authorization_response=callback,
            code_verifier=generate_token(48),
        )

    assert refused.value.error == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert Grant.objects.get().consumed_at is None


def test_a_malformed_challenge_is_refused_before_consent(live_server, admin, app_of_developer):
    base = live_server.url
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    app = OAuth2Session(
        client_id=app_of_developer.client_id,
        client_secret=app_of_developer.secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
    )
    state = generate_token(16)
    url, _state = app.create_authorization_url(
        base + "/oauth/authorize/",
        state=state,
        code_challenge="short",
        code_challenge_method="S256",
    )

    page = browser.http.get(url, allow_redirects=False, timeout=10)

    assert page.status_code == 302
    params = _params(page.headers["Location"])
    assert params["error"] == "invalid_request"
    assert params["state"] == state
    assert params["iss"] == base
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_an_invalid_scope_comes_back_with_a_description_and_the_issuer(
    live_server, admin, app_of_developer
):
    base = live_server.url
    browser = Browser(base)
    browser.sign_in("admin@acme.test")
    app = _session(base, app_of_developer)
    app.scope = "crm.deals:full"

    callback, _verifier, state = _authorize(base, browser, app)

    params = _params(callback)
    assert params["error"] == "invalid_scope"
    assert params["error_description"]
    assert params["state"] == state
    assert params["iss"] == base
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_wrong_client_secrets_are_throttled(live_server, admin, app_of_developer, settings):
    base = live_server.url
    limit = int(
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["oauth_client_auth_address"].split("/")[0]
    )
    guesser = OAuth2Session(
        client_id=app_of_developer.client_id, client_secret="not-the-secret", timeout=10
    )
    answers = []
    for _ in range(limit + 10):
        response = requests.post(
            base + "/oauth/introspect/",
            data={"token": "anything"},
            auth=(app_of_developer.client_id, "not-the-secret"),
            timeout=10,
        )
        answers.append(response)
    with pytest.raises(OAuthError) as refused:
        guesser.fetch_token(base + "/oauth/token/", code="whatever", code_verifier="x" * 43)

    assert [a.status_code for a in answers[:limit]] == [401] * limit
    assert {a.status_code for a in answers[limit:]} == {429}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[limit:])
    assert answers[-1].json()["error"] == "invalid_client"
    assert refused.value.error == "invalid_client"
    assert not AccessToken.objects.exists()
