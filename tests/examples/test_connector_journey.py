"""The example connector as a real process against the live server, driven the way a
browser would: connect, sign in, consent, call the API, refresh and revoke through its
own buttons; an install started on the marketplace (no state, no PKCE); a cancel; and a
member whose token may not list the account's users."""

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation
from apps.installations.services import installation_access_set, installation_uninstall
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import make_app_with_secret, make_version

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
SCOPES = [
    {"code": "users", "level": "read", "reason": "Lists your colleagues."},
    {"code": "crm.accounts", "level": "read", "reason": "Links customers."},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


class Connector:
    """``python -m examples.connector`` configured through the environment only."""

    def __init__(self, *, port, marketplace_url, client_id, secret, tmp_path):
        self.url = f"http://localhost:{port}"
        self.marketplace_url = marketplace_url
        self.token_file = tmp_path / "tokens.json"
        self.log = tmp_path / "connector.log"
        env = {
            **os.environ,
            "CONNECTOR_CONFIG": str(tmp_path / "absent.json"),
            "CONNECTOR_MARKETPLACE_URL": marketplace_url,
            "CONNECTOR_CLIENT_ID": client_id,
            "CONNECTOR_CLIENT_SECRET": secret,
            "CONNECTOR_PORT": str(port),
            "CONNECTOR_TOKEN_FILE": str(self.token_file),
            "PYTHONUNBUFFERED": "1",
        }
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "examples.connector"],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # never leave a half-started connector behind
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=1).text == "ok":
                    return
            except requests.ConnectionError:
                pass
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "the connector did not start"
            time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def tokens(self):
        return json.loads(self.token_file.read_text())

    @property
    def redirect_uri(self):
        return self.url + "/oauth/callback"


@pytest.fixture
def connector(live_server, other_account, tmp_path):
    """The connector, running, and its app: public, published by another account, with the
    connector's address as redirect URI."""
    port = free_port()
    app, secret = make_app_with_secret(account=other_account, name="Example Connector")
    make_version(
        app=app,
        status="published",
        redirect_uris=[f"http://localhost:{port}/oauth/callback"],
        scopes=SCOPES,
        webhooks=[
            {
                "id": "user-updated",
                "event": "users.user.updated",
                "url": f"http://localhost:{port}/hooks/users",
            }
        ],
    )
    process = Connector(
        port=port,
        marketplace_url=live_server.url,
        client_id=app.oauth_application.client_id,
        secret=secret,
        tmp_path=tmp_path,
    )
    yield process, app
    process.stop()
    log = process.log.read_text()
    assert secret not in log
    assert "code=" not in log


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, page[:2000]
    return html.unescape(match.group(1))


def sign_in(browser: requests.Session, login_page: requests.Response, email: str):
    """Post the console's login form shown at ``login_page``; the answer is where the
    marketplace sends the browser next."""
    assert "/login/" in login_page.url, login_page.url
    return browser.post(
        login_page.url,
        data={
            "username": email,
            "password": PASSWORD,
            "next": field(login_page.text, "next"),
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": login_page.url},
    )


def press(browser: requests.Session, consent: requests.Response, decision: str = "allow"):
    """Press Allow (or Cancel) on the consent screen."""
    assert consent.status_code == 200, consent.text[:2000]
    assert 'id="consent"' in consent.text, consent.text[:2000]
    return browser.post(
        consent.url,
        data={
            "decision": decision,
            "version_id": field(consent.text, "version_id"),
            "mode": field(consent.text, "mode"),
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": consent.url},
    )


def button(process: Connector, browser: requests.Session, page: str, path: str):
    """Press one of the connector's POST buttons (Refresh the token, Disconnect)."""
    return browser.post(process.url + path, data={"csrf": field(page, "csrf")})


def connected_as(page: requests.Response, email: str) -> bool:
    return f"<dd id='user'>{email}</dd>" in page.text


def test_connect_call_refresh_and_disconnect(connector, admin, account):
    process, app = connector
    browser = requests.Session()
    assert 'id="connect"' in browser.get(process.url + "/").text

    login = browser.get(process.url + "/connect")  # to the marketplace, then its login
    consent = sign_in(browser, login, admin.email)
    assert "Install Example Connector on Acme Corp?" in html.unescape(consent.text)
    page = press(browser, consent)

    assert page.url == process.url + "/"
    assert '<p class="notice">Connected.</p>' in page.text
    assert connected_as(page, "admin@acme.test")
    assert "<code id='account'>acme</code>" in page.text
    assert 'id="users-status">200<' in page.text
    installation = Installation.objects.get(account=account, app=app)
    assert installation.granted_scopes == ["crm.accounts:read", "users:read"]
    first = process.tokens()
    assert first["account"] == "acme"
    assert first["access_token"] not in page.text
    assert first["refresh_token"] not in page.text

    refreshed = button(process, browser, page.text, "/refresh")
    assert "Token refreshed" in refreshed.text
    assert connected_as(refreshed, "admin@acme.test")
    second = process.tokens()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]

    again = browser.get(process.url + "/")  # "Call the API again"
    assert 'id="me-status">200<' in again.text

    gone = button(process, browser, again.text, "/disconnect")
    assert "Disconnected" in gone.text
    assert 'id="connect"' in gone.text
    assert not process.token_file.exists()
    client = app.oauth_application
    assert not get_access_token_model().objects.filter(application=client).exists()
    assert (
        not get_refresh_token_model()
        .objects.filter(application=client, revoked__isnull=True)
        .exists()
    )
    me = requests.get(
        process.marketplace_url + "/api/v1/users/me",
        headers={"Authorization": f"Bearer {second['access_token']}"},
        timeout=5,
    )
    assert me.status_code == 401


def test_install_started_on_the_marketplace_has_no_state_and_no_pkce(connector, admin, account):
    process, app = connector
    browser = requests.Session()
    # What the catalog's Install button opens: no state, no code challenge.
    query = urlencode(
        {
            "client_id": app.oauth_application.client_id,
            "response_type": "code",
            "redirect_uri": process.redirect_uri,
            "account": "acme",
        }
    )
    login = browser.get(f"{process.marketplace_url}/oauth/authorize/?{query}")
    page = press(browser, sign_in(browser, login, admin.email))
    assert page.url == process.url + "/"
    assert "Installed from the marketplace." in page.text
    assert connected_as(page, "admin@acme.test")
    assert Installation.objects.filter(account=account, app=app).exists()


def test_install_through_the_install_start_url_uses_the_connectors_state_and_pkce(
    connector, admin, account
):
    process, app = connector
    version = app.versions.get()
    manifest = {**version.manifest, "install_start_url": process.url + "/oauth/install"}
    type(version).objects.filter(pk=version.pk).update(manifest=manifest)
    browser = requests.Session()
    # The catalog's Install button, for a version that declares an install start URL.
    query = urlencode(
        {"client_id": app.oauth_application.client_id, "account": "acme", "version": "1.0.0"}
    )
    login = browser.get(f"{process.marketplace_url}/oauth/install/?{query}")
    consent = sign_in(browser, login, admin.email)
    assert "code_challenge=" in consent.url
    assert "state=" in consent.url
    page = press(browser, consent)

    assert page.url == process.url + "/"
    assert '<p class="notice">Connected.</p>' in page.text
    assert connected_as(page, "admin@acme.test")
    assert Installation.objects.filter(account=account, app=app).exists()


def test_cancel_is_a_friendly_page_and_installs_nothing(connector, admin):
    process, app = connector
    browser = requests.Session()
    login = browser.get(process.url + "/connect")
    page = press(browser, sign_in(browser, login, admin.email), decision="cancel")
    assert page.url.startswith(process.url + "/oauth/callback?")
    assert page.status_code == 200
    assert "nothing was installed or shared" in page.text
    assert "The user cancelled." in page.text
    assert not Installation.objects.filter(app=app).exists()
    assert not process.token_file.exists()


def test_a_member_without_the_users_right_sees_the_403_body(
    connector, admin, member, account, sales_role
):
    process, app = connector
    admin_browser = requests.Session()
    login = admin_browser.get(process.url + "/connect")
    press(admin_browser, sign_in(admin_browser, login, admin.email))
    installation = Installation.objects.get(account=account, app=app)
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )

    browser = requests.Session()
    login = browser.get(process.url + "/connect")
    # installed account-level app, member allowed: no consent screen, straight back
    page = sign_in(browser, login, member.email)
    assert page.url == process.url + "/"
    assert connected_as(page, "member@acme.test")
    assert 'id="me-status">200<' in page.text
    assert 'id="users-status">403<' in page.text
    assert "insufficient_rights" in page.text


def test_after_an_uninstall_the_calls_get_401_and_the_refresh_fails(connector, admin, account):
    process, app = connector
    browser = requests.Session()
    login = browser.get(process.url + "/connect")
    page = press(browser, sign_in(browser, login, admin.email))
    assert connected_as(page, "admin@acme.test")
    installation_uninstall(
        installation=Installation.objects.get(account=account, app=app),
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )

    again = browser.get(process.url + "/")  # "Call the API again"
    assert 'id="me-status">401<' in again.text
    assert 'id="users-status">401<' in again.text
    assert "The app was uninstalled from this account" in again.text

    refused = button(process, browser, again.text, "/refresh")
    assert "The refresh token no longer works" in refused.text
    assert 'id="connect"' in refused.text
    assert not process.token_file.exists()
