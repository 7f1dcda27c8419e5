"""The project's error handlers: JSON under /api/, the normal pages elsewhere."""

import json

import pytest
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from marketplace.urls import handler404, handler500

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/anything"])
def test_handler404_answers_json_under_the_api(path):
    response = handler404(RequestFactory().get(path), Http404("x"))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": {
            "code": "not_found",
            "message": f"No API endpoint at {path}. See /api/docs/.",
            "fields": {},
        }
    }


def test_handler404_answers_html_elsewhere():
    response = handler404(RequestFactory().get("/apps/nope"), Http404("x"))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_handler500_answers_json_under_the_api():
    response = handler500(RequestFactory().get("/api/v1/account"))

    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"]["code"] == "server_error"
    assert body["error"]["fields"] == {}
    assert "Traceback" not in response.content.decode()


def test_handler500_answers_html_elsewhere():
    response = handler500(RequestFactory().get("/"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_handlers_are_wired(client):
    response = client.get("/api/v1/does-not-exist")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_api_address_is_the_json_404_for_a_post_without_csrf_token(db):
    """An app posting with its bearer token has no CSRF token: an address no endpoint
    matches (a negative id, say) is the JSON 404, not the CSRF failure page."""
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/api-keys/-1/revoke", HTTP_AUTHORIZATION="Bearer mpk_nope"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "name, path",
    [
        ("healthz", "/healthz"),
        ("readyz", "/readyz"),
        ("api-schema", "/api/schema/"),
        ("api-docs", "/api/docs/"),
        ("api:root", "/api/v1/"),
        ("api:accounts:account-current", "/api/v1/account"),
        ("api:accounts:api_key-list", "/api/v1/api-keys"),
        ("api:jobs:job-list", "/api/v1/jobs"),
    ],
)
def test_stable_paths(name, path):
    assert reverse(name) == path


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
@pytest.mark.parametrize("path", ["/api/v1/does-not-exist", "/api/v2/account", "/api/"])
def test_an_unknown_api_address_is_the_json_404_with_debug_on_or_off(client, settings, debug, path):
    """make run has DEBUG on, where Django answers an unknown address with its HTML debug
    page: under /api/ an app gets the API's error body all the same."""
    settings.DEBUG = debug

    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
