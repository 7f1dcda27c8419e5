"""Refresh now, Disconnect and a reconnect after an update, against the example provider
as a real process, and what each writes to the installation's history (shown on the
installed app's page)."""

from __future__ import annotations

import httpx
import pytest

from apps.connections.authorization import connection_access_token, connection_refresh
from apps.connections.models import ConnectionValue, OAuthConnection, OutsideClient
from apps.core.crypto import decrypt, encrypt
from apps.installations.models import InstallationEvent
from apps.installations.services import installation_update
from tests.apps.connections.oauth_world import (
    CALLBACK,
    actor_of,
    connect,
    consent,
    oauth2_connection,
    page_url,
    start,
)
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET, provider_process
from tests.factories import make_version

pytestmark = pytest.mark.django_db(transaction=True)
Kind = InstallationEvent.Kind


@pytest.fixture
def installation(oauth_installation):
    return oauth_installation


def kinds(installation) -> list[str]:
    return list(
        InstallationEvent.objects.filter(installation=installation)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def press(client, installation, name: str) -> str:
    response = client.post(page_url(installation, name))
    assert response.status_code == 302 and response.url == page_url(installation)
    return client.get(response.url).content.decode()


def refused(provider, refresh_token: str) -> bool:
    """Whether the provider refuses ``refresh_token`` (it was revoked)."""
    answer = httpx.post(
        f"{provider.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def me(provider, token: str) -> int:
    return httpx.get(
        f"{provider.url}/api/me", headers={"Authorization": f"Bearer {token}"}
    ).status_code


def test_refresh_now_gets_new_tokens_at_once(client_for, admin, installation, provider):
    client = client_for(admin)
    connect(client, installation)
    old, _before = connection_access_token(installation=installation)

    page = press(client, installation, "installation-connection_refresh")

    new, after = connection_access_token(installation=installation)
    assert "The tokens were refreshed." in page
    assert 'id="refresh-now"' in page and "Last refreshed" in page
    assert new != old and after.refreshed_at is not None
    assert after.status == "connected" and me(provider, new) == 200
    assert Kind.CONNECTION_REFRESH_FAILED not in kinds(installation)


def test_refresh_now_after_a_withdrawn_grant_needs_reconnect(
    client_for, admin, installation, provider
):
    client = client_for(admin)
    connect(client, installation)
    provider.withdraw_access()

    page = press(client, installation, "installation-connection_refresh")

    row = OAuthConnection.objects.get(installation=installation)
    assert "Refreshing the tokens failed: The outside service no longer accepts" in page
    assert row.status == "needs_reconnect" and row.access_token == ""
    event = InstallationEvent.objects.filter(installation=installation).last()
    assert event.kind == Kind.CONNECTION_NEEDS_RECONNECT
    assert event.actor == admin and event.detail["error"] == "invalid_grant"
    assert 'id="refresh-now"' not in page


def test_refresh_now_without_a_connection_says_connect_first(client_for, admin, installation):
    before = kinds(installation)

    response = client_for(admin).post(page_url(installation, "installation-connection_refresh"))

    page = client_for(admin).get(response.url)
    assert response.url == page_url(installation)
    assert not OAuthConnection.objects.exists()
    assert kinds(installation) == before
    assert page.status_code == 200


def test_a_failed_refresh_is_recorded_once_per_problem(client_for, admin, installation):
    connect(client_for(admin), installation)
    OutsideClient.objects.update(client_secret=encrypt("not-the-secret"))

    connection_refresh(installation_id=installation.pk, force=True)
    connection_refresh(installation_id=installation.pk, force=True)

    row = OAuthConnection.objects.get(installation=installation)
    assert row.status == "connected" and "does not recognise" in row.problem
    failed = InstallationEvent.objects.filter(
        installation=installation, kind=Kind.CONNECTION_REFRESH_FAILED
    )
    assert failed.count() == 1
    assert failed.get().actor_label == "Platform"
    assert failed.get().detail["error"] == "invalid_client"


def test_disconnect_revokes_at_the_provider_and_keeps_the_parameters(
    client_for, admin, installation, provider
):
    client = client_for(admin)
    connect(client, installation)
    token, _row = connection_access_token(installation=installation)
    row = OAuthConnection.objects.get(installation=installation)
    refresh = decrypt(row.refresh_token)

    page = press(client, installation, "installation-connection_disconnect")

    assert "Notes sync is disconnected." in page
    assert not OAuthConnection.objects.filter(installation=installation).exists()
    assert me(provider, token) == 401
    assert refused(provider, refresh)
    assert ConnectionValue.objects.filter(installation=installation, key="workspace").exists()
    assert kinds(installation)[-1] == Kind.DISCONNECTED
    assert 'data-status="not_connected"' in page and ">Connect</button>" in page


@pytest.fixture(scope="module")
def new_provider():
    """Another outside service (the same client registered there), for a new version."""
    with provider_process(redirect_uris=[CALLBACK], access_seconds=120) as running:
        yield running


def test_a_reconnect_after_an_update_revokes_the_stale_tokens_at_the_old_service(
    client_for, admin, installation, notes_app, provider, new_provider
):
    client = client_for(admin)
    connect(client, installation)
    stale, row = connection_access_token(installation=installation)
    stale_refresh = decrypt(row.refresh_token)
    moved = make_version(
        app=notes_app,
        number="2.0.0",
        status="published",
        connection=oauth2_connection(new_provider),
    )
    installation_update(
        installation=installation, version=moved, actor=actor_of(admin), consent=True
    )
    page = client.get(page_url(installation)).content.decode()
    assert 'id="needs-reconnect"' in page
    assert me(provider, stale) == 200  # kept until the reconnect

    authorize = start(client, installation)
    assert authorize.startswith(new_provider.url)
    response = client.get(_callback_path(consent(authorize)))

    fresh, row = connection_access_token(installation=installation)
    assert response.url == page_url(installation)
    assert me(provider, stale) == 401
    assert refused(provider, stale_refresh)
    assert me(new_provider, fresh) == 200
    assert row.status == "connected" and row.issued_under_id == moved.pk
    reconnected = InstallationEvent.objects.filter(installation=installation).last()
    assert reconnected.kind == Kind.RECONNECTED
    assert reconnected.detail == {"revoked_stale": True}


def _callback_path(location: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def test_every_change_is_in_the_history_page(client_for, admin, installation, notes_app, provider):
    client = client_for(admin)
    connect(client, installation)
    connect(client, installation)
    moved = make_version(
        app=notes_app,
        number="1.1.0",
        status="published",
        connection=oauth2_connection(provider)
        | {"oauth2": oauth2_connection(provider)["oauth2"] | {"scopes": ["profile", "notes"]}},
    )
    installation_update(
        installation=installation, version=moved, actor=actor_of(admin), consent=True
    )
    client.get(page_url(installation))
    press(client, installation, "installation-connection_disconnect")

    assert kinds(installation) == [
        Kind.INSTALLED,
        Kind.CONNECTION_SAVED,
        Kind.CONNECTED,
        Kind.RECONNECTED,
        Kind.UPDATED,
        Kind.CONNECTION_NEEDS_RECONNECT,
        Kind.DISCONNECTED,
    ]
    history = client.get(page_url(installation, "installation-detail")).content.decode()
    assert "Connection parameters changed: workspace." in history
    assert "Connected to the outside service." in history
    assert "Connected to the outside service again." in history
    assert "Needs reconnect: The installed version connects to another outside service" in (history)
    assert "Disconnected: the tokens were revoked" in history
