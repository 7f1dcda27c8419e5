"""The connector as a real process receiving the marketplace's webhook deliveries: a CRM
account changed on an account where it is installed reaches it signed, and it shows the
delivery verified under the app's signing secret (and refuses it under another)."""

import time

import pytest
import requests
from django.db import transaction

from apps.accounts.actors import actor_system
from apps.modules.models import CrmAccount
from apps.modules.services import record_create, record_update
from apps.webhooks.models import Delivery
from apps.webhooks.services import delivery_send, events_fan_out, signing_secret_current
from apps.webhooks.services.wake import publisher
from tests.examples.test_connector_journey import SCOPES, Connector, free_port
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import make_installation
from tests.worker import wait_for

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]


def hooked(live_server, other_account, account, admin, tmp_path, monkeypatch, secret=None):
    port = free_port()
    app, client_secret = make_app_with_secret(account=other_account, name="Example Connector")
    version = make_version(
        app=app,
        status="published",
        redirect_uris=[f"http://localhost:{port}/oauth/callback"],
        scopes=SCOPES,
        webhooks=[
            {
                "id": "customer-updated",
                "event": "crm.account.updated",
                "url": f"http://localhost:{port}/hooks/crm",
            }
        ],
    )
    make_installation(account=account, version=version, by_user=admin)
    monkeypatch.setenv("CONNECTOR_WEBHOOK_SECRET", secret or signing_secret_current(app_id=app.pk))
    return Connector(
        port=port,
        marketplace_url=live_server.url,
        client_id=app.oauth_application.client_id,
        secret=client_secret,
        tmp_path=tmp_path,
    )


def rename_a_customer(account) -> Delivery:
    actor = actor_system(label="test")
    record = record_create(
        model=CrmAccount, account_id=account.pk, values={"name": "Initech"}, actor=actor
    )
    record_update(record=record, values={"name": "Initrode"}, actor=actor)
    events_fan_out()
    delivery = Delivery.objects.get()
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_a_changed_crm_account_arrives_signed_and_verified(
    live_server, other_account, account, admin, tmp_path, monkeypatch
):
    connector = hooked(live_server, other_account, account, admin, tmp_path, monkeypatch)
    try:
        delivery = rename_a_customer(account)
        page = requests.get(connector.url + "/hooks", timeout=5).text
    finally:
        connector.stop()

    assert (delivery.status, delivery.last_status_code) == ("succeeded", 204)
    assert "crm.account.updated" in page and "Initrode" in page
    assert delivery.uid in page and "verified" in page
    assert signing_secret_current(app_id=delivery.installation.version.app_id) not in (
        connector.log.read_text()
    )


def test_under_another_secret_the_connector_refuses_the_delivery(
    live_server, other_account, account, admin, tmp_path, monkeypatch
):
    other = "whsec_" + "A" * 43 + "="
    connector = hooked(live_server, other_account, account, admin, tmp_path, monkeypatch, other)
    try:
        delivery = rename_a_customer(account)
        page = requests.get(connector.url + "/hooks", timeout=5).text
    finally:
        connector.stop()

    assert delivery.last_status_code == 401
    assert delivery.status == "failed"  # a 4xx other than 408 and 429 is final
    assert "None received yet" in page and "1 refused" in page


@pytest.mark.worker
@pytest.mark.parametrize("in_background", [False, True], ids=["in-request", "publisher-thread"])
def test_through_a_real_worker_the_change_is_on_the_connectors_page_within_seconds(
    live_server,
    other_account,
    account,
    admin,
    tmp_path,
    monkeypatch,
    celery_processes,
    settings,
    in_background,
):
    # The wake-up as the test settings send it (in the request) and as every other
    # setting does (the publisher's thread); no beat runs, so only the wake-up delivers.
    settings.WEBHOOK_WAKE_IN_BACKGROUND = in_background
    published_before = publisher.published
    celery_processes("worker", extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128"})
    connector = hooked(live_server, other_account, account, admin, tmp_path, monkeypatch)
    try:
        actor = actor_system(label="test")
        record = record_create(
            model=CrmAccount, account_id=account.pk, values={"name": "Initech"}, actor=actor
        )
        with transaction.atomic():
            record_update(record=record, values={"name": "Initrode"}, actor=actor)
        started = time.monotonic()
        page = wait_for(
            lambda: (
                "Initrode" in (text := requests.get(connector.url + "/hooks", timeout=5).text)
                and text
            ),
            timeout=30,
            what="the delivery on the connector's page",
        )
        took = time.monotonic() - started
    finally:
        connector.stop()

    assert "verified" in str(page) and Delivery.objects.get().uid in str(page)
    assert took < 10
    assert (publisher.published > published_before) is in_background
