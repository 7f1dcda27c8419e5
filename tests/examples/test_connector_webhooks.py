"""The connector's webhook route: every delivery is verified with the ``standardwebhooks``
package under the app's signing secret; unverified ones are refused and not shown."""

import base64
import io
import json
import secrets
from datetime import UTC, datetime
from wsgiref.util import setup_testing_defaults

import pytest
from standardwebhooks.webhooks import Webhook

from examples.connector.app import ConnectorApp
from examples.connector.config import Config

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
BODY = {
    "type": "crm.account.updated",
    "data": {"model": "crm.account", "id": 7, "changed": ["name"], "record": {"name": "Initrode"}},
}


def make_app(tmp_path, secret=SECRET):
    config = Config(
        marketplace_url="http://127.0.0.1:8000",
        client_id="client-1",
        client_secret="secret-abcdefghijkl",
        host="localhost",
        port=8001,
        public_url="http://localhost:8001",
        token_file=tmp_path / "tokens.json",
        webhook_secret=secret,
    )
    return ConnectorApp(config)


def signed(body: bytes, *, secret=SECRET, webhook_id="msg_1", at=None):
    at = at or datetime.now(UTC)
    return {
        "HTTP_WEBHOOK_ID": webhook_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
        "HTTP_WEBHOOK_SIGNATURE": Webhook(secret).sign(webhook_id, at, body),
    }


def request(app, method, path, body=b"", headers=None):
    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        CONTENT_LENGTH=str(len(body)),
        CONTENT_TYPE="application/json",
        **(headers or {}),
    )
    environ["wsgi.input"] = io.BytesIO(body)
    seen = {}
    text = b"".join(app(environ, lambda s, h: seen.update(status=int(s.split()[0])))).decode()
    return seen["status"], text


def test_a_signed_delivery_is_verified_kept_and_shown(tmp_path):
    app = make_app(tmp_path)
    body = json.dumps(BODY).encode()

    assert request(app, "POST", "/hooks/crm", body, signed(body))[0] == 204

    status, page = request(app, "GET", "/hooks")
    assert status == 200
    assert "crm.account.updated" in page and "Initrode" in page and "msg_1" in page
    assert "verified" in page
    assert "crm.account.updated" in request(app, "GET", "/")[1]


@pytest.mark.parametrize(
    ("event", "version", "shown"),
    [
        ("app.installed", {"from": None, "to": "1.0.0"}, "version 1.0.0"),
        ("app.updated", {"from": "1.0.0", "to": "1.1.0"}, "1.0.0 → 1.1.0"),
        ("app.uninstalled", {"from": "1.1.0", "to": None}, "version 1.1.0"),
    ],
)
def test_an_app_event_is_shown_with_its_installation_and_version(tmp_path, event, version, shown):
    app = make_app(tmp_path)
    body = json.dumps(
        {
            "type": event,
            "account_id": 3,
            "installation_id": 41,
            "data": {"app": "5b0c3c8e", "version": version, "scopes": []},
        }
    ).encode()

    assert request(app, "POST", "/hooks/app", body, signed(body))[0] == 204

    (item,) = app.inbox.newest()
    assert (item.type, item.summary) == (event, f"installation #41 on account #3, {shown}")
    assert event in request(app, "GET", "/hooks")[1]


def test_the_same_webhook_id_again_is_one_delivery_received_twice(tmp_path):
    app = make_app(tmp_path)
    body = json.dumps(BODY).encode()
    request(app, "POST", "/hooks/crm", body, signed(body))
    request(app, "POST", "/hooks/crm", body, signed(body))

    assert [r.times for r in app.inbox.newest()] == [2]
    assert "received 2 times" in request(app, "GET", "/hooks")[1]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature at all
        "other-secret",
        "tampered",
        "stale",
    ],
)
def test_an_unverified_delivery_is_refused_and_not_shown(tmp_path, headers):
    app = make_app(tmp_path)
    body = json.dumps(BODY).encode()
    if headers == "other-secret":
        other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        headers = signed(body, secret=other)
    elif headers == "tampered":
        headers = signed(body)
        body = body.replace(b"Initrode", b"Evil Corp")
    elif headers == "stale":
        headers = signed(body, at=datetime(2020, 1, 1, tzinfo=UTC))

    status, text = request(app, "POST", "/hooks/crm", body, headers)

    assert status == 401 and text
    assert app.inbox.newest() == []
    page = request(app, "GET", "/hooks")[1]
    assert "None received yet" in page and "1 refused" in page


def test_without_a_signing_secret_every_delivery_is_refused_and_the_page_says_why(tmp_path):
    app = make_app(tmp_path, secret="")
    body = json.dumps(BODY).encode()

    assert request(app, "POST", "/hooks/crm", body, signed(body))[0] == 401
    assert "No signing secret configured" in request(app, "GET", "/hooks")[1]
