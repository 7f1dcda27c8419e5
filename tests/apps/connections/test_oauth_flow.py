"""The OAuth connection against the example provider as a real process: Connect, the
provider's consent, the callback, the exchange; state and PKCE tampering refused; the
provider's access_denied in plain words; refresh before expiry; a withdrawn grant turning
into "needs reconnect", and Reconnect. The tests allow loopback for outbound calls."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.connections.authorization import (
    connection_access_token,
    connection_refresh,
)
from apps.connections.models import ConnectionTestResult, OAuthConnection, OutsideClient
from apps.connections.tasks import connection_refresh_task, connections_refresh_due_task
from tests.apps.connections.oauth_world import (
    actor_of,
    back,
    connect,
    consent,
    oauth2_connection,
    page_url,
    start,
)
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET
from tests.factories import make_version
from tests.factories.installations import issue_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback(loopback):
    pass


@pytest.fixture
def installation(oauth_installation):
    return oauth_installation


def test_connect_exchanges_the_code_and_keeps_the_tokens_encrypted(
    client_for, admin, installation, provider
):
    client = client_for(admin)

    authorize = start(client, installation)
    query = parse_qs(urlsplit(authorize).query)
    response = back(client, consent(authorize))

    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["workspace"] == ["acme"]
    assert query["scope"] == ["profile notes:read"]
    assert response.status_code == 302 and response.url == page_url(installation)
    row = OAuthConnection.objects.get(installation=installation)
    assert row.status == "connected" and row.expires_at is not None
    token, _row = connection_access_token(installation=installation)
    assert token not in row.access_token
    me = httpx.get(f"{provider.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user"] == "demo"
    page = client.get(response.url).content.decode()
    assert "Notes sync is connected." in page
    assert 'data-status="connected"' in page
    assert token not in page and CLIENT_SECRET not in page


def test_a_state_this_session_did_not_start_is_refused(client_for, admin, installation):
    location = consent(start(client_for(admin), installation))
    other_session = client_for(admin)

    response = back(other_session, location)

    assert response.status_code == 400
    assert "does not belong to an authorization started in this browser session" in (
        response.content.decode()
    )
    assert not OAuthConnection.objects.exists()


def test_a_tampered_state_is_refused(client_for, admin, installation):
    client = client_for(admin)
    location = consent(start(client, installation))

    response = client.get(urlsplit(location).path + "?code=x&state=forged")

    assert response.status_code == 400
    assert not OAuthConnection.objects.exists()


def test_a_tampered_pkce_verifier_is_refused_by_the_provider(client_for, admin, installation):
    client = client_for(admin)
    location = consent(start(client, installation))
    session = client.session
    for pending in session["connections.pending"].values():
        pending["verifier"] = "x" * 86
    session.save()

    response = back(client, location)

    page = client.get(response.url).content.decode()
    assert "no longer accepts this authorization" in page
    assert not OAuthConnection.objects.exists()


def test_access_denied_at_the_provider_is_said_in_plain_words(client_for, admin, installation):
    client = client_for(admin)

    response = back(client, consent(start(client, installation), decision="deny"))

    page = client.get(response.url).content.decode()
    assert "The authorization was declined at the outside service" in page
    assert not OAuthConnection.objects.exists()


def test_the_job_refreshes_tokens_before_they_expire(client_for, admin, installation, settings):
    connect(client_for(admin), installation)
    before = OAuthConnection.objects.get(installation=installation)
    # 120 s tokens are within the refresh margin (5 minutes) at once.

    queued = connections_refresh_due_task()
    connection_refresh_task(installation.pk)

    after = OAuthConnection.objects.get(installation=installation)
    assert queued == 1
    assert after.refreshed_at is not None
    assert after.access_token != before.access_token
    assert after.status == "connected"


def test_a_withdrawn_grant_needs_reconnect_and_reconnect_repairs_it(
    client_for, admin, installation, provider
):
    client = client_for(admin)
    connect(client, installation)
    provider.withdraw_access()

    connection_refresh(installation_id=installation.pk, force=True)

    row = OAuthConnection.objects.get(installation=installation)
    assert row.status == "needs_reconnect"
    assert row.access_token == row.refresh_token == ""
    page = client.get(page_url(installation)).content.decode()
    assert 'id="needs-reconnect"' in page and ">Reconnect</button>" in page

    connect(client, installation)

    assert OAuthConnection.objects.get(installation=installation).status == "connected"


def test_without_the_developers_client_there_is_nothing_to_connect(client_for, admin, installation):
    OutsideClient.objects.all().delete()
    client = client_for(admin)

    page = client.get(page_url(installation)).content.decode()
    response = client.post(page_url(installation, "installation-connection_connect"))

    assert 'id="client-missing"' in page
    assert response.status_code == 302 and response.url == page_url(installation)
    assert "has not set its client" in client.get(response.url).content.decode()


def test_the_test_runs_after_connecting_and_on_demand(client_for, admin, installation):
    client = client_for(admin)
    response = connect(client, installation)

    first = ConnectionTestResult.objects.get(installation=installation)
    pressed = client.post(page_url(installation, "installation-connection_test"))
    page = client.get(pressed.url).content.decode()

    assert (first.passed, first.status_code, first.trigger) == (True, 200, "connected")
    assert '"user": "demo"' in first.excerpt
    assert response.url == pressed.url == page_url(installation)
    assert "The connection test passed." in page
    assert 'data-result="passed"' in page and 'id="test-status">200<' in page
    again = ConnectionTestResult.objects.get(installation=installation)
    assert again.trigger == "admin" and again.tested_by == admin


def test_a_withdrawn_grant_fails_the_test_in_plain_words(client_for, admin, installation, provider):
    client = client_for(admin)
    connect(client, installation)
    provider.withdraw_access()

    pressed = client.post(page_url(installation, "installation-connection_test"))

    result = ConnectionTestResult.objects.get(installation=installation)
    assert result.passed is False and result.failure == "not_connected"
    assert "connect it again" in result.message
    assert "The connection test failed" in client.get(pressed.url).content.decode()


def test_the_developer_sees_results_across_installations_without_answers(
    client_for, admin, outsider, installation, notes_app
):
    connect(client_for(admin), installation)
    result = ConnectionTestResult.objects.get(installation=installation)

    page = client_for(outsider).get(
        reverse("console:developer:app-connection", kwargs={"code": notes_app.code})
    )
    html = page.content.decode()

    assert page.status_code == 200
    assert f'data-installation="{installation.pk}"' in html
    assert "Passed" in html and "200" in html
    assert result.excerpt.splitlines()[0] not in html
    assert CLIENT_SECRET not in html


def backend(installation, app):
    token = issue_token(installation=installation, user=installation.installed_by)
    return APIClient().get(
        "/api/v1/connection",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_CLIENT_ID=app.oauth_application.client_id,
        HTTP_X_CLIENT_SECRET=app.test_secret,
    )


def test_the_apps_backend_reads_a_working_token(
    client_for, admin, installation, notes_app, provider
):
    assert backend(installation, notes_app).json()["state"] == "not_connected"
    connect(client_for(admin), installation)

    body = backend(installation, notes_app).json()
    me = httpx.get(
        f"{provider.url}/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )

    assert body["state"] == "connected" and body["token_type"] == "Bearer"
    assert body["parameters"] == {"workspace": "acme"}
    assert body["expires_at"] and body["test"]["passed"] is True
    assert me.status_code == 200 and me.json()["user"] == "demo"


def test_the_backend_sees_needs_reconnect(client_for, admin, installation, notes_app, provider):
    connect(client_for(admin), installation)
    provider.withdraw_access()

    body = backend(installation, notes_app).json()

    assert body["state"] == "needs_reconnect" and body["access_token"] is None
    assert "no longer accepts" in body["problem"]


def test_uninstall_revokes_at_the_provider_and_removes_everything(
    client_for, admin, installation, provider
):
    from apps.connections.models import ConnectionValue
    from apps.installations.services import installation_uninstall
    from apps.jobs.kinds import INSTALLATION_UNINSTALL
    from apps.jobs.models import Job
    from tests.apps.lifecycle.conftest import jobs_for, run_job

    connect(client_for(admin), installation)
    token, _row = connection_access_token(installation=installation)
    assert f'data-client="{CLIENT_ID}"' in provider.live_grants()

    installation_uninstall(installation=installation, actor=actor_of(admin))
    [job] = jobs_for(INSTALLATION_UNINSTALL, installation_id=installation.pk)
    job = run_job(job)

    assert job.state == Job.State.SUCCEEDED
    assert f'data-client="{CLIENT_ID}"' not in provider.live_grants()
    me = httpx.get(f"{provider.url}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    for model in (OAuthConnection, ConnectionValue, ConnectionTestResult):
        assert not model.objects.filter(installation_id=installation.pk).exists()


def test_an_update_keeps_the_connection_unless_the_outside_service_changes(
    client_for, admin, installation, notes_app, provider
):
    from apps.installations.services import installation_update

    client = client_for(admin)
    connect(client, installation)
    same_service = oauth2_connection(provider) | {
        "test": {
            "url": f"{provider.url}/api/me?v=2",
            "headers": {"Authorization": "Bearer {{access_token}}"},
        }
    }
    other_service = oauth2_connection(provider)
    other_service["oauth2"] = other_service["oauth2"] | {"token_url": f"{provider.url}/token?v=2"}
    kept = make_version(app=notes_app, number="1.1.0", status="published", connection=same_service)
    moved = make_version(
        app=notes_app, number="2.0.0", status="published", connection=other_service
    )

    update_page = client.get(page_url(installation, "installation-update") + "?version=2.0.0")
    installation_update(
        installation=installation, version=kept, actor=actor_of(admin), consent=True
    )
    after_kept = backend(installation, notes_app).json()
    installation_update(
        installation=installation, version=moved, actor=actor_of(admin), consent=True
    )
    page = client.get(page_url(installation)).content.decode()
    after_moved = backend(installation, notes_app).json()

    assert 'id="diff-needs-reconnect"' in update_page.content.decode()
    assert after_kept["state"] == "connected"
    assert after_kept["parameters"] == {"workspace": "acme"}
    assert 'id="needs-reconnect"' in page and "connects to another outside service" in page
    assert after_moved["state"] == "needs_reconnect" and after_moved["parameters"]

    connect(client, installation)

    assert backend(installation, notes_app).json()["state"] == "connected"


@pytest.mark.worker
def test_beat_and_a_real_worker_refresh_tokens_before_they_expire(
    client_for, admin, installation, celery_processes
):
    from tests.worker import wait_for

    connect(client_for(admin), installation)
    before = OAuthConnection.objects.get(installation=installation)
    loopback = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"}
    celery_processes("worker", extra_env=loopback)
    celery_processes("beat", extra_env={**loopback, "CONNECTIONS_REFRESH_EVERY_SECONDS": "1"})

    # Connecting ran the test, which refreshed the 120-second tokens once already.
    wait_for(
        lambda: (
            OAuthConnection.objects.get(installation=installation).refreshed_at
            != before.refreshed_at
        ),
        timeout=60,
        what="the refresh job to renew the tokens on the worker",
    )

    after = OAuthConnection.objects.get(installation=installation)
    assert after.status == "connected"
    assert after.access_token != before.access_token
    token, _row = connection_access_token(installation=installation)
    assert token


def test_no_token_or_secret_reaches_a_log_line(
    client_for, admin, installation, notes_app, provider, caplog
):
    import logging

    caplog.set_level(logging.DEBUG)
    client = client_for(admin)
    connect(client, installation)
    client.post(page_url(installation, "installation-connection_test"))
    body = backend(installation, notes_app).json()
    provider.withdraw_access()
    connection_refresh(installation_id=installation.pk, force=True)

    assert body["access_token"] not in caplog.text
    assert CLIENT_SECRET not in caplog.text
    assert notes_app.test_secret not in caplog.text
    assert "outbound POST" in caplog.text  # the calls are logged, without their secrets
