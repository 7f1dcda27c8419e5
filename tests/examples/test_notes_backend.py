"""Notes Sync's backend (``examples/notes_backend``) as a real process against the live
server and the example provider: it connects to the marketplace with its own state and
PKCE, reads its installation's connection (``GET /api/v1/connection`` with its token and
its client credentials) and calls the provider's ``/api/me`` with the outside token."""

import html
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from apps.connections.clients import outside_client_set
from apps.connections.services import connection_parameters_save
from tests.apps.connections.oauth_world import CALLBACK, actor_of, connect, oauth2_connection
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET, free_port, provider_process
from tests.examples.test_connector_journey import press, sign_in
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import make_installation

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]


class NotesBackend:
    """``python -m examples.notes_backend`` with its file in ``tmp_path``."""

    def __init__(self, *, port, marketplace_url, client_id, secret, provider_url, tmp_path):
        self.url = f"http://127.0.0.1:{port}"
        self.log = tmp_path / "notes.log"
        config = tmp_path / "notes-sync.json"
        config.write_text(
            json.dumps(
                {
                    "marketplace_url": marketplace_url,
                    "client_id": client_id,
                    "client_secret": secret,
                    "host": "127.0.0.1",
                    "port": port,
                    "provider_url": provider_url,
                }
            )
        )
        env = {**os.environ, "NOTES_BACKEND_CONFIG": str(config), "PYTHONUNBUFFERED": "1"}
        self._log = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "examples.notes_backend"],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.get(self.url + "/healthz", timeout=1).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the Notes Sync backend did not start: " + self.log_text())
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log.read_text()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture
def world(live_server, settings, account, admin, other_account, tmp_path):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    port = free_port()
    with provider_process(
        redirect_uris=[CALLBACK, f"{live_server.url}/connections/callback/"]
    ) as provider:
        developer = MembershipFactory(
            account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
        ).user
        app, secret = make_app_with_secret(account=other_account, name="Notes Sync")
        version = make_version(
            app=app,
            status="published",
            redirect_uris=[f"http://127.0.0.1:{port}/oauth/callback"],
            connection=oauth2_connection(provider),
        )
        outside_client_set(
            app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, actor=actor_of(developer)
        )
        installation = make_installation(account=account, version=version, by_user=admin)
        connection_parameters_save(
            installation=installation, values={"workspace": "acme"}, actor=actor_of(admin)
        )
        backend = NotesBackend(
            port=port,
            marketplace_url=live_server.url,
            client_id=app.oauth_application.client_id,
            secret=secret,
            provider_url=provider.url,
            tmp_path=tmp_path,
        )
        try:
            yield backend, installation, secret
        finally:
            backend.stop()


def test_the_backend_reads_a_working_token_and_calls_the_provider(world, admin, client_for):
    backend, installation, secret = world
    browser = requests.Session()
    assert 'id="connect"' in browser.get(backend.url + "/").text

    answer = sign_in(browser, browser.get(backend.url + "/connect"), admin.email)
    if 'id="consent"' in answer.text:
        answer = press(browser, answer)
    assert answer.url == backend.url + "/", answer.url

    # Connected to the marketplace, but nobody connected the outside service yet.
    assert '<strong id="connection-state">not_connected</strong>' in answer.text
    assert "Example Provider: GET /api/me" not in answer.text

    connect(client_for(admin), installation)  # the admin presses Connect, then Allow
    page = browser.get(backend.url + "/")

    assert '<strong id="connection-state">connected</strong>' in page.text
    assert "Example Provider: GET /api/me" in page.text
    shown = html.unescape(page.text)
    assert '"user": "demo"' in shown and '"notes"' in shown
    assert '"workspace": "acme"' in shown
    assert page.text.count('data-status="200"') == 2
    log = backend.log_text()
    assert secret not in log and secret not in page.text
    assert "code=" not in log


def test_the_backend_shows_a_withdrawn_grant_as_needs_reconnect(world, admin, client_for):
    backend, installation, _secret = world
    browser = requests.Session()
    answer = sign_in(browser, browser.get(backend.url + "/connect"), admin.email)
    if 'id="consent"' in answer.text:
        answer = press(browser, answer)
    connect(client_for(admin), installation)
    from apps.connections.authorization import connection_refresh
    from apps.connections.models import OAuthConnection

    OAuthConnection.objects.filter(installation=installation).update(
        status="needs_reconnect", problem="connect again"
    )
    connection_refresh(installation_id=installation.pk)

    page = browser.get(backend.url + "/")

    assert '<strong id="connection-state">needs_reconnect</strong>' in page.text
    assert "Example Provider: GET /api/me" not in page.text
