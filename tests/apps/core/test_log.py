"""A refused request is one INFO line with its error code, through the logging the
project configures; tracebacks stay for server errors."""

import io
import logging
import logging.config
from copy import deepcopy

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from apps.core.log import DropRefusals


@pytest.fixture
def log_output():
    """The project's LOGGING with its console handler writing to a buffer; Django's
    default configuration first, as Django applies it, then ours."""
    from django.utils.log import DEFAULT_LOGGING

    stream = io.StringIO()
    config = deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(DEFAULT_LOGGING)
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig(DEFAULT_LOGGING)
    logging.config.dictConfig(django_settings.LOGGING)


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_403_page_is_one_info_line_without_traceback(debug, settings, log_output, member):
    settings.DEBUG = debug
    client = Client()
    client.force_login(member)

    response = client.get(reverse("console:system:status"))

    assert response.status_code == 403
    [line] = _lines(log_output)
    assert " INFO apps.requests: 403 permission_denied GET /system/" in line
    assert line.endswith(f"(user {member.pk}): Only platform staff can open this page.")
    assert "Traceback" not in log_output.getvalue()


def test_an_api_refusal_is_logged_with_the_code_of_its_body(log_output, db):
    response = Client().get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer nope")

    assert response.status_code == 401
    code = response.json()["error"]["code"]
    [line] = _lines(log_output)
    assert f"401 {code} GET /api/v1/users/me (anonymous)" in line


def test_an_oauth_error_is_logged_with_its_error(log_output, db):
    response = Client().post("/oauth/token/", {"grant_type": "authorization_code"})

    assert response.status_code in (400, 401)
    [line] = _lines(log_output)
    assert f"{response.status_code} {response.json()['error']} POST /oauth/token/" in line


def test_the_query_string_is_never_logged(log_output, db):
    Client().get("/no/such/page/?code=secret-code&access_token=secret-token")

    [line] = _lines(log_output)
    assert "404 not_found GET /no/such/page/ (anonymous)" in line
    assert "secret" not in log_output.getvalue()


def test_a_csrf_refusal_says_why(log_output, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(reverse("console:logout"))

    assert response.status_code == 403
    [line] = _lines(log_output)
    assert "403 csrf_failed POST" in line
    assert "CSRF" in line.split(":", 3)[-1]


def test_server_errors_keep_their_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
    record.status_code = 500

    assert DropRefusals().filter(record)


@pytest.mark.parametrize(
    ("status", "kept"), [(200, True), (302, True), (403, False), (404, False), (500, True)]
)
def test_django_lines_of_refusals_are_dropped(status, kept):
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "GET /", (), None)
    record.status_code = status

    assert DropRefusals().filter(record) is kept
