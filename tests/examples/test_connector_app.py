"""The connector's pages, called in-process through WSGI with a stand-in for the
marketplace: which callback it accepts, what it sends to the token endpoint, and what
it refuses."""

import io
import json
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.util import setup_testing_defaults

import pytest

from examples.connector.app import COOKIE, ConnectorApp
from examples.connector.config import Config
from examples.connector.oauth import ApiAnswer, OAuthFailure


class Marketplace:
    """Records the calls the connector makes; answers like the marketplace does."""

    def __init__(self):
        self.calls = []
        self.refusal = None
        self.introspected = []  # apart from ``calls``: every exchange is followed by one
        self.token_account = "acme"  # the account the marketplace issued the code for

    def exchange(self, code, verifier):
        self.calls.append(("exchange", code, verifier))
        if self.refusal:
            raise self.refusal
        return {
            "access_token": "access-1234567890",
            "refresh_token": "refresh-1234567890",
            "expires_in": 3600,
            "scope": "users:read",
            "token_type": "Bearer",
        }

    def introspect(self, access_token):
        self.introspected.append(access_token)
        if not self.token_account:
            return {"active": False}
        return {"active": True, "account": self.token_account, "scope": "users:read"}

    def refresh(self, refresh_token):
        self.calls.append(("refresh", refresh_token))
        if self.refusal:
            raise self.refusal
        return {
            "access_token": "access-renewed-123",
            "refresh_token": "refresh-renewed-123",
            "expires_in": 3600,
            "scope": "users:read",
        }

    def revoke(self, token, hint):
        self.calls.append(("revoke", token, hint))
        return 200

    def api_get(self, path, access_token):
        self.calls.append(("get", path, access_token))
        if path == "/api/v1/users/me":
            return ApiAnswer(200, {"email": "admin@acme.test"})
        return ApiAnswer(403, {"error": {"code": "insufficient_rights", "message": "No right."}})


@pytest.fixture
def marketplace():
    return Marketplace()


@pytest.fixture
def app(tmp_path, marketplace):
    config = Config(
        marketplace_url="http://127.0.0.1:8000",
        client_id="client-1",
        client_secret="secret-abcdefghijkl",
        host="localhost",
        port=8001,
        public_url="http://localhost:8001",
        token_file=tmp_path / "tokens.json",
    )
    return ConnectorApp(config, client=marketplace)


def call(app, method, path, *, sid="b" * 40, query=None, form=None):
    environ = {}
    setup_testing_defaults(environ)
    body = urlencode(form or {}).encode()
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        QUERY_STRING=urlencode(query or {}),
        HTTP_COOKIE=f"{COOKIE}={sid}" if sid else "",
        CONTENT_LENGTH=str(len(body)),
        CONTENT_TYPE="application/x-www-form-urlencoded",
    )
    environ["wsgi.input"] = io.BytesIO(body)
    seen = {}

    def start_response(status, headers):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    text = b"".join(app(environ, start_response)).decode()
    return seen["status"], seen["headers"], text


def start(app, sid="b" * 40):
    status, headers, _ = call(app, "GET", "/connect", sid=sid)
    assert status == 302
    return {k: v[0] for k, v in parse_qs(urlparse(headers["Location"]).query).items()}


def test_connect_sets_its_own_cookie_and_sends_state_and_pkce(app):
    status, headers, _ = call(app, "GET", "/connect", sid=None)
    assert status == 302
    assert headers["Set-Cookie"].startswith(f"{COOKIE}=")
    assert "HttpOnly" in headers["Set-Cookie"]
    query = parse_qs(urlparse(headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0]


def test_callback_of_our_flow_exchanges_with_the_verifier(app, marketplace, tmp_path):
    params = start(app)
    status, headers, _ = call(
        app,
        "GET",
        "/oauth/callback",
        query={
            "code": "c1",
            "state": params["state"],
            "iss": "http://127.0.0.1:8000",
            "account": "acme",
        },
    )
    assert (status, headers["Location"]) == (303, "/")
    ((kind, code, verifier),) = marketplace.calls
    assert (kind, code) == ("exchange", "c1")
    pending_verifier = verifier
    assert pending_verifier and len(pending_verifier) >= 43
    saved = json.loads((tmp_path / "tokens.json").read_text())
    assert saved["account"] == "acme"
    assert saved["access_token"] == "access-1234567890"
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"


def test_marketplace_started_install_exchanges_without_pkce(app, marketplace):
    status, _, _ = call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    assert status == 303
    assert marketplace.calls == [("exchange", "c2", None)]


def test_home_shows_the_user_the_refusal_and_no_token_in_full(app, marketplace):
    call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    status, _, page = call(app, "GET", "/")
    assert status == 200
    assert "admin@acme.test" in page
    assert "insufficient_rights" in page
    assert "access-1234567890" not in page
    assert "refresh-1234567890" not in page
    assert "secret-abcdefghijkl" not in page


def test_a_connected_home_offers_to_connect_as_another_user(app, marketplace):
    call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    _, _, page = call(app, "GET", "/")
    assert '<a class="button" href="/connect" id="reconnect">Connect as another user</a>' in page
    assert "replaces this one" in page


def test_a_state_not_started_here_is_refused_and_nothing_is_exchanged(app, marketplace, tmp_path):
    params = start(app, sid="a" * 40)
    # another browser brings that state back
    status, _, page = call(
        app, "GET", "/oauth/callback", sid="c" * 40, query={"code": "c", "state": params["state"]}
    )
    assert status == 400
    assert "not match an authorization started from this browser" in page
    assert marketplace.calls == []
    assert not (tmp_path / "tokens.json").exists()
    # and a state is good once
    call(app, "GET", "/oauth/callback", sid="a" * 40, query={"code": "c", "state": params["state"]})
    again = call(
        app, "GET", "/oauth/callback", sid="a" * 40, query={"code": "c", "state": params["state"]}
    )
    assert again[0] == 400
    assert len(marketplace.calls) == 1


def test_an_answer_from_another_issuer_is_refused(app, marketplace):
    params = start(app)
    status, _, page = call(
        app,
        "GET",
        "/oauth/callback",
        query={"code": "c", "state": params["state"], "iss": "https://evil.example.com"},
    )
    assert status == 400
    assert "Wrong issuer" in page
    assert marketplace.calls == []


def test_user_denied_gets_a_friendly_page(app, marketplace, tmp_path):
    params = start(app)
    status, _, page = call(
        app,
        "GET",
        "/oauth/callback",
        query={
            "error": "user_denied",
            "error_description": "The user cancelled.",
            "state": params["state"],
        },
    )
    assert status == 200
    assert "nothing was installed or shared" in page
    assert "The user cancelled." in page
    assert marketplace.calls == []
    assert not (tmp_path / "tokens.json").exists()


def test_a_refused_exchange_is_explained(app, marketplace, tmp_path):
    marketplace.refusal = OAuthFailure(400, "invalid_grant", "Code expired.")
    status, _, page = call(app, "GET", "/oauth/callback", query={"code": "old"})
    assert status == 400
    assert "invalid_grant" in page
    assert not (tmp_path / "tokens.json").exists()


def test_buttons_need_the_page_csrf_token(app, marketplace, tmp_path):
    call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    before = (tmp_path / "tokens.json").read_text()
    for path in ("/refresh", "/disconnect"):
        status, _, _ = call(app, "POST", path, form={"csrf": "forged"})
        assert status == 403
    assert (tmp_path / "tokens.json").read_text() == before
    assert [c[0] for c in marketplace.calls] == ["exchange"]


def test_refresh_then_disconnect(app, marketplace, tmp_path):
    sid = "b" * 40
    call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    csrf = app.csrf_token(sid)
    assert call(app, "POST", "/refresh", form={"csrf": csrf})[0] == 303
    assert marketplace.calls[-1] == ("refresh", "refresh-1234567890")
    saved = json.loads((tmp_path / "tokens.json").read_text())
    assert saved["access_token"] == "access-renewed-123"
    assert saved["account"] == "acme"
    assert call(app, "POST", "/disconnect", form={"csrf": csrf})[0] == 303
    assert marketplace.calls[-2:] == [
        ("revoke", "access-renewed-123", "access_token"),
        ("revoke", "refresh-renewed-123", "refresh_token"),
    ]
    assert not (tmp_path / "tokens.json").exists()


def test_a_dead_refresh_token_forgets_the_connection(app, marketplace, tmp_path):
    sid = "b" * 40
    call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    marketplace.refusal = OAuthFailure(400, "invalid_grant", "")
    call(app, "POST", "/refresh", form={"csrf": app.csrf_token(sid)})
    assert not (tmp_path / "tokens.json").exists()
    _, _, page = call(app, "GET", "/")
    assert "no longer works" in page
    assert 'id="connect"' in page


# --- the account comes from the marketplace, never from the callback's query ----------------


def test_the_account_is_confirmed_by_introspection(app, marketplace, tmp_path):
    call(app, "GET", "/oauth/callback", query={"code": "c2"})
    assert marketplace.introspected == ["access-1234567890"]
    assert json.loads((tmp_path / "tokens.json").read_text())["account"] == "acme"


def test_a_callback_naming_another_account_than_the_codes_is_refused(app, marketplace, tmp_path):
    # someone's own code (for globex), sent to the connector as if it were acme's
    marketplace.token_account = "globex"
    status, _, page = call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    assert status == 400
    assert "issued for <code>globex</code>" in page
    assert not (tmp_path / "tokens.json").exists()
    assert ("revoke", "refresh-1234567890", "refresh_token") in marketplace.calls
    assert ("revoke", "access-1234567890", "access_token") in marketplace.calls


def test_a_token_the_marketplace_does_not_confirm_is_not_kept(app, marketplace, tmp_path):
    marketplace.token_account = ""
    status, _, page = call(app, "GET", "/oauth/callback", query={"code": "c2", "account": "acme"})
    assert status == 400
    assert "did not confirm" in page
    assert not (tmp_path / "tokens.json").exists()


# --- framing ---------------------------------------------------------------------------------


def test_only_the_embedded_page_may_be_framed_and_only_by_the_marketplace(app):
    _, headers, _ = call(app, "GET", "/")
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert headers["Referrer-Policy"] == "no-referrer"
    _, headers, _ = call(app, "GET", "/embed", query={"app": "x"})
    assert headers["Content-Security-Policy"] == "frame-ancestors http://127.0.0.1:8000"
    status, headers, _ = call(app, "GET", "/embed/account", query={"launch_token": "x"})
    assert status == 403
    assert headers["Content-Security-Policy"] == "frame-ancestors http://127.0.0.1:8000"


def test_the_install_start_url_starts_our_own_flow_for_the_named_account_and_version(app):
    status, headers, _ = call(
        app,
        "GET",
        "/oauth/install",
        query={
            "iss": "http://127.0.0.1:8000",
            "account": "acme",
            "version": "1.1.0",
            "install_link": "mil_abc",
        },
    )

    assert status == 302
    location = headers["Location"]
    assert location.startswith("http://127.0.0.1:8000/oauth/authorize/?")
    params = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
    assert params["state"]
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["account"] == "acme"
    assert params["version"] == "1.1.0"
    assert params["install_link"] == "mil_abc"
    assert params["redirect_uri"] == "http://localhost:8001/oauth/callback"


@pytest.mark.parametrize("issuer", ["", "https://other-market.example.com"])
def test_an_install_started_by_another_issuer_is_refused(app, marketplace, issuer):
    status, headers, text = call(
        app, "GET", "/oauth/install", query={"iss": issuer, "account": "acme"}
    )

    assert status == 400
    assert "Location" not in headers
    assert "Wrong issuer" in text
    assert marketplace.calls == []
