"""The issuer (RFC 8414, RFC 9207) is the ``OAUTH_ISSUER`` setting, never the request's
Host header, and every authorization response names it in ``iss``: a code, Cancel, the
way back from a refusal page, and every error, ours or oauthlib's (which also carry an
``error_description``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from apps.installations.models import Installation
from apps.oauth.models import Grant
from tests.apps.oauth.conftest import install, tokens_for
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.oauth import (
    REDIRECT_URI,
    allow,
    authorize_url,
    callback_params,
    pkce_pair,
)

pytestmark = pytest.mark.django_db

ISSUER = "https://market.example.com"
FOREIGN_HOST = "evil.example"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def fixed_issuer(settings):
    # As production has it: OAUTH_ISSUER set; a Host header the site also answers to.
    settings.OAUTH_ISSUER = ISSUER
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": ISSUER}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, FOREIGN_HOST, "testserver"]


@pytest.fixture
def browser(client_for, admin):
    client = client_for(admin)
    client.defaults["HTTP_HOST"] = FOREIGN_HOST
    return client


def nothing_written() -> bool:
    return not (Installation.objects.exists() or Grant.objects.exists())


def test_the_metadata_names_the_configured_issuer_whatever_the_host(client):
    response = client.get("/.well-known/oauth-authorization-server", HTTP_HOST=FOREIGN_HOST)

    metadata = response.json()
    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_endpoint"] == ISSUER + "/oauth/authorize/"
    assert metadata["token_endpoint"] == ISSUER + "/oauth/token/"
    assert metadata["revocation_endpoint"] == ISSUER + "/oauth/revoke_token/"
    assert metadata["introspection_endpoint"] == ISSUER + "/oauth/introspect/"
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_the_oauth_issuer_variable_sets_the_issuer(tmp_path):
    # From the environment to the metadata, as a process started with it serves it.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
        "OAUTH_ISSUER": ISSUER + "/",
        "TEST_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/.well-known/oauth-authorization-server', HTTP_HOST='localhost'); "
        "print(json.dumps(r.json()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    metadata = json.loads(result.stdout.strip().splitlines()[-1])
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == ISSUER + "/oauth/token/"


def test_a_code_comes_with_the_configured_issuer(browser, published):
    _verifier, challenge = pkce_pair()

    params = callback_params(
        allow(browser, authorize_url(published.client_id, challenge=challenge))
    )

    assert params["code"]
    assert params["iss"] == ISSUER


def test_cancel_comes_with_the_issuer(browser, published):
    params = callback_params(allow(browser, authorize_url(published.client_id), decision="cancel"))

    assert params == {
        "error": "user_denied",
        "error_description": "The user cancelled.",
        "state": "s-123",
        "iss": ISSUER,
    }
    assert nothing_written()


def test_a_refused_plain_challenge_comes_with_the_issuer(browser, published):
    verifier, _challenge = pkce_pair()
    url = authorize_url(published.client_id, code_challenge=verifier, code_challenge_method="plain")

    params = callback_params(browser.get(url))

    assert params["error"] == "invalid_request"
    assert params["iss"] == ISSUER
    assert nothing_written()


@pytest.mark.parametrize(
    "scope",
    ["crm.deals:full", "nonsense", "users:read crm.accounts:full"],
    ids=["not-asked", "unknown", "beyond-level"],
)
def test_an_invalid_scope_comes_with_a_description_the_state_and_the_issuer(
    browser, published, scope
):
    response = browser.get(authorize_url(published.client_id, scope=scope))

    assert response["Location"].startswith(REDIRECT_URI + "?")
    params = callback_params(response)
    assert params["error"] == "invalid_scope"
    assert params["error_description"]
    assert params["state"] == "s-123"
    assert params["iss"] == ISSUER
    assert "code" not in params
    assert nothing_written()


def test_a_public_client_without_pkce_gets_the_error_with_the_issuer(browser, published):
    application = published.app.oauth_application
    application.client_type = "public"
    application.save(update_fields=["client_type"])

    params = callback_params(browser.get(authorize_url(published.client_id)))

    assert params["error"] == "invalid_request"
    assert params["error_description"]
    assert params["iss"] == ISSUER
    assert nothing_written()


def test_the_way_back_from_a_refusal_page_comes_with_the_issuer(browser, admin, published):
    MembershipFactory(account=AccountFactory(slug="initech"), user=admin, is_admin=True)

    picker = browser.get(authorize_url(published.client_id))

    link = picker.context["way_back_url"]
    assert link.startswith(REDIRECT_URI + "?")
    assert "iss=" + ISSUER.replace(":", "%3A").replace("/", "%2F") in link
    assert nothing_written()


def test_introspection_names_the_issuer(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)

    from django.test import Client

    answer = Client().post(
        "/oauth/introspect/",
        {"token": tokens["access_token"]},
        HTTP_HOST=FOREIGN_HOST,
        HTTP_AUTHORIZATION=_basic(published.client_id, published.secret),
    )

    assert answer.json()["active"] is True
    assert answer.json()["iss"] == ISSUER


def _basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
