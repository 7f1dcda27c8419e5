"""The world of the OAuth connection tests: the example provider as a real process, an
app connecting to it with its developer's client there, installed on ``account`` with its
parameters filled in; and the steps of Connect as an admin's browser takes them."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.connections.authorization import outside_client_set
from apps.connections.services import connection_parameters_save
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET, provider_process
from tests.factories import make_version
from tests.factories.catalog import make_app_with_secret
from tests.factories.installations import make_installation

CALLBACK = "http://testserver/connections/callback/"


@pytest.fixture(scope="module")
def provider():
    with provider_process(redirect_uris=[CALLBACK], access_seconds=120) as running:
        yield running


@pytest.fixture
def loopback(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def oauth2_connection(provider) -> dict:
    return {
        "type": "oauth2",
        "parameters": [{"key": "workspace", "label": "Workspace", "required": True}],
        "oauth2": {
            "authorize_url": f"{provider.url}/authorize",
            "token_url": f"{provider.url}/token",
            "revoke_url": f"{provider.url}/revoke",
            "scopes": ["profile", "notes:read"],
            "authorize_params": {"workspace": "{{workspace}}"},
        },
        "test": {
            "url": f"{provider.url}/api/me",
            "headers": {"Authorization": "Bearer {{access_token}}"},
        },
    }


def actor_of(user):
    membership = Membership.objects.select_related("account", "role").get(user=user)
    return actor_for_user(user=user, membership=membership)


@pytest.fixture
def notes_app(provider, other_account, outsider):
    app, secret = make_app_with_secret(account=other_account, name="Notes sync")
    app.test_secret = secret
    make_version(
        app=app, number="1.0.0", status="published", connection=oauth2_connection(provider)
    )
    outsider_ship = Membership.objects.get(user=outsider)
    outsider_ship.is_developer = True
    outsider_ship.save()
    outside_client_set(
        app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, actor=actor_of(outsider)
    )
    return app


@pytest.fixture
def oauth_installation(notes_app, account, admin, loopback):
    installed = make_installation(
        account=account, version=notes_app.versions.get(number="1.0.0"), by_user=admin
    )
    connection_parameters_save(
        installation=installed, values={"workspace": "acme"}, actor=actor_of(admin)
    )
    return installed


def page_url(installation, name="installation-connection"):
    return reverse(f"console:installations:{name}", kwargs={"installation_id": installation.pk})


def start(client, installation) -> str:
    response = client.post(page_url(installation, "installation-connection_connect"))
    assert response.status_code == 302
    return response.url


def consent(authorize: str, decision: str = "allow") -> str:
    assert "asks to access your account" in httpx.get(authorize).text
    answer = httpx.post(authorize, data={"decision": decision})
    assert answer.status_code == 302
    return answer.headers["location"]


def back(client, location: str):
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def connect(client, installation):
    return back(client, consent(start(client, installation)))
