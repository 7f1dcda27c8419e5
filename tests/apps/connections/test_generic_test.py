"""A generic connection's test: the sensitive API key sent in a header, never in the
kept answer, a page or a log line; a failing answer kept with its status."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from apps.connections.models import ConnectionTestResult
from apps.connections.services import connection_parameters_save
from tests.apps.connections.conftest import API_KEY
from tests.apps.connections.test_oauth_flow import actor_of
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


class KeyChecker(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        good = self.headers.get("X-Key") == API_KEY and "region=eu" in self.path
        body = f"key {self.headers.get('X-Key')} ok\nline 2\n".encode() if good else b"no"
        self.send_response(200 if good else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def api():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), KeyChecker)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def installation(api, account, admin, other_account, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    app = make_app(account=other_account, name="Weather")
    connection = {
        "type": "generic",
        "parameters": [
            {"key": "api_key", "label": "API key", "sensitive": True, "required": True},
            {"key": "region", "label": "Region", "required": True},
        ],
        "test": {"url": f"{api}/check?region={{{{region}}}}", "headers": {"X-Key": "{{api_key}}"}},
    }
    version = make_version(app=app, number="1.0.0", status="published", connection=connection)
    return make_installation(account=account, version=version, by_user=admin)


def page(installation) -> str:
    return reverse(
        "console:installations:installation-connection",
        kwargs={"installation_id": installation.pk},
    )


def test_saving_parameters_runs_the_test_and_masks_the_key(client_for, admin, installation, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(admin)

    response = client.post(page(installation), {"setting-api_key": API_KEY, "setting-region": "eu"})

    result = ConnectionTestResult.objects.get(installation=installation)
    html = client.get(response.url).content.decode()
    assert (result.passed, result.status_code, result.trigger) == (True, 200, "saved")
    assert result.excerpt.startswith("key ") and API_KEY not in result.excerpt
    assert API_KEY not in html and API_KEY not in caplog.text
    assert 'data-result="passed"' in html


def test_a_wrong_key_fails_with_the_status(client_for, admin, installation):
    connection_parameters_save(
        installation=installation,
        values={"api_key": "wrong-key-0123456789", "region": "eu"},
        actor=actor_of(admin),
    )
    client = client_for(admin)

    pressed = client.post(
        reverse(
            "console:installations:installation-connection_test",
            kwargs={"installation_id": installation.pk},
        )
    )

    result = ConnectionTestResult.objects.get(installation=installation)
    assert (result.passed, result.status_code) == (False, 401)
    assert result.message == "The answer was 401; 2xx means success."
    assert "The connection test failed" in client.get(pressed.url).content.decode()


def test_a_blocked_address_is_a_failed_test_not_an_error(client_for, admin, installation, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    connection_parameters_save(
        installation=installation,
        values={"api_key": API_KEY, "region": "eu"},
        actor=actor_of(admin),
    )

    client_for(admin).post(
        reverse(
            "console:installations:installation-connection_test",
            kwargs={"installation_id": installation.pk},
        )
    )

    result = ConnectionTestResult.objects.get(installation=installation)
    assert (result.passed, result.failure) == (False, "blocked_address")
