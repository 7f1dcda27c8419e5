"""The world of the connections API tests: Notes sync, published by Dev Studio (its
developer and an API key there), connecting to the example provider as a real process,
installed on ``account`` (Acme) and connected by its admin, and installed on
``other_account`` (Globex) too; the personas of the access matrix, and a snapshot of
every row a denied call could touch."""

from __future__ import annotations

from typing import Any

import pytest

from apps.connections.models import (
    ConnectionTestResult,
    ConnectionValue,
    OAuthConnection,
    OutsideClient,
)
from apps.connections.services import connection_parameters_save
from apps.installations.models import InstallationEvent
from tests.apps.api.helpers import api_client
from tests.apps.connections.oauth_world import actor_of, connect, oauth2_connection
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET
from tests.factories import AccountFactory, ApiKeyFactory, MembershipFactory, UserFactory
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import make_installation

# Who calls, and whose they are. ``developer`` is a developer of Acme (of other apps);
# ``app_developer`` and ``publisher_key`` are Dev Studio's, which publishes Notes sync.
PERSONAS = [
    "anonymous",
    "member",
    "developer",
    "admin",
    "outsider",
    "api_key",
    "other_api_key",
    "app_developer",
    "publisher_key",
]


@pytest.fixture
def publisher(db):
    return AccountFactory(slug="devstudio", name="Dev Studio")


@pytest.fixture
def app_developer(publisher):
    return MembershipFactory(
        account=publisher, user=UserFactory(email="dev@devstudio.test"), is_developer=True
    ).user


@pytest.fixture
def keys(account, other_account, publisher) -> dict[str, str]:
    return {
        "api_key": ApiKeyFactory(account=account, name="Acme CI")[1],
        "other_api_key": ApiKeyFactory(account=other_account, name="Globex CI")[1],
        "publisher_key": ApiKeyFactory(account=publisher, name="Dev Studio CI")[1],
    }


@pytest.fixture
def notes(provider, publisher, app_developer, loopback):
    app, secret = make_app_with_secret(account=publisher, name="Notes sync")
    app.test_secret = secret
    make_version(
        app=app, number="1.0.0", status="published", connection=oauth2_connection(provider)
    )
    from apps.connections.clients import outside_client_set

    outside_client_set(
        app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, actor=actor_of(app_developer)
    )
    return app


@pytest.fixture
def connected(notes, account, admin, client_for):
    """Notes sync on Acme, its workspace given and connected by the admin (the test ran)."""
    installation = make_installation(
        account=account, version=notes.versions.get(number="1.0.0"), by_user=admin
    )
    connection_parameters_save(
        installation=installation, values={"workspace": "acme"}, actor=actor_of(admin)
    )
    connect(client_for(admin), installation)
    assert OAuthConnection.objects.get(installation=installation).status == "connected"
    return installation


@pytest.fixture
def globex_installation(notes, other_account, outsider):
    return make_installation(
        account=other_account, version=notes.versions.get(number="1.0.0"), by_user=outsider
    )


def persona_client(request, persona: str):
    if persona == "anonymous":
        return api_client()
    if persona in ("api_key", "other_api_key", "publisher_key"):
        return api_client(key=request.getfixturevalue("keys")[persona])
    return api_client(request.getfixturevalue(persona))


def snapshot() -> dict[str, Any]:
    """Every connection row and history entry a denied call could have touched."""
    return {
        "values": list(
            ConnectionValue.objects.order_by("pk").values_list(
                "pk", "installation_id", "key", "value", "secret", "updated_at"
            )
        ),
        "authorizations": list(
            OAuthConnection.objects.order_by("pk").values_list(
                "pk", "status", "access_token", "refresh_token", "expires_at", "updated_at"
            )
        ),
        "tests": list(
            ConnectionTestResult.objects.order_by("pk").values_list(
                "pk", "passed", "trigger", "tested_at"
            )
        ),
        "clients": list(
            OutsideClient.objects.order_by("pk").values_list(
                "pk", "client_id", "client_secret", "updated_at"
            )
        ),
        "events": list(InstallationEvent.objects.order_by("pk").values_list("pk", "kind")),
    }
