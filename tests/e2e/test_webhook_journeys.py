"""A developer debugging a webhook in a real browser, with a real worker sending to a real
receiver on loopback: the delivery failed (the receiver answered 500), the developer
finds it on the app's *Webhooks* page and its attempt, fixes the receiver, presses
**Send again**, and sees it delivered with the same ``webhook-id``."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from apps.webhooks.models import Delivery
from tests.apps.webhooks.conftest import SCOPES, change, hooks_for
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE": "0.2"}


@pytest.fixture
def receiver():
    r = Receiver(Answer(500, body=b"database down"))
    yield r
    r.stop()


def _ended(status: str) -> Delivery | None:
    return Delivery.objects.filter(status=status).first()


def test_a_developer_sees_a_failed_delivery_fixes_the_receiver_and_replays_it(
    page, sign_in, celery_processes, receiver, account, admin, developer
):
    celery_processes("worker", extra_env=WORKER_ENV)
    app = make_app(account=account, name="Hooked")
    version = make_version(
        app=app, status="published", scopes=SCOPES, webhooks=hooks_for(receiver.url)
    )
    make_installation(account=account, version=version, by_user=admin)
    with transaction.atomic():
        change(account, name="Initech")
    failed = wait_for(lambda: _ended("failed"), timeout=60, what="the delivery to fail")

    sign_in(developer)
    page.goto(f"/developer/apps/{app.code}/webhooks/?status=failed")
    deliveries = page.locator("#webhook-deliveries")
    expect(deliveries).to_contain_text("crm.account.created")
    expect(deliveries).to_contain_text("500")
    deliveries.get_by_role("link").first.click()

    overview = page.locator("#delivery-overview")
    expect(overview).to_contain_text(failed.uid)
    expect(overview).to_contain_text("Failed")
    expect(page.locator("#delivery-attempts")).to_contain_text("500")
    page.get_by_text("Answer (first 2 KB)").first.click()
    expect(page.locator("#delivery-attempts")).to_contain_text("database down")

    with receiver.lock:  # the receiver is fixed
        receiver.answers = [Answer(204)]
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("Sent again with the same webhook-id")).to_be_visible()

    wait_for(lambda: _ended("succeeded"), timeout=60, what="the replayed delivery")
    page.reload()
    expect(overview).to_contain_text("Succeeded")
    expect(overview).to_contain_text(failed.uid)
    expect(page.locator("#delivery-attempts")).to_contain_text("204")
    assert receiver.received[-1].headers["webhook-id"] == failed.uid
    assert {r.headers["webhook-id"] for r in receiver.received} == {failed.uid}
