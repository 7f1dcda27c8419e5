"""An account admin enabling a disabled webhook subscription in a real browser, with a real
worker sending to a real receiver on loopback: the receiver failed every delivery, the
health evaluation on a frozen clock (five days later) disabled the subscription; the
admin sees it disabled on the installed app's page, the receiver is fixed, the admin
presses **Enable** with the replay ticked, and the failed deliveries reach the receiver
again with their own ``webhook-id``s."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import subscriptions_health_evaluate
from tests.apps.webhooks.conftest import SCOPES, change, hooks_for
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_RETRY_SCHEDULE": "0.2"}


@pytest.fixture
def receiver():
    r = Receiver(Answer(503, body=b"maintenance"))
    yield r
    r.stop()


def _all(status: str, count: int) -> list[Delivery] | None:
    rows = list(Delivery.objects.filter(status=status).order_by("pk"))
    return rows if len(rows) == count else None


def test_an_admin_enables_a_disabled_subscription_and_what_failed_is_sent_again(
    page, sign_in, celery_processes, receiver, account, admin, other_account
):
    celery_processes("worker", extra_env=WORKER_ENV)
    app = make_app(account=other_account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=SCOPES,
        webhooks=hooks_for(receiver.url, "crm.account.created"),
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    for name in ("Initech", "Umbrella"):
        with transaction.atomic():
            change(account, name=name)
    failed = wait_for(lambda: _all("failed", 2), timeout=60, what="both deliveries to fail")
    health = SubscriptionHealth.objects.get(installation=installation)
    # Five days of failures later, on a frozen clock.
    assert subscriptions_health_evaluate(now=health.failing_since + timedelta(days=5)) == 1
    health.refresh_from_db()
    assert health.state == "disabled"
    sent_before = len(receiver.received)

    sign_in(admin)
    page.goto(reverse("console:installations:installation-detail", args=[installation.pk]))
    row = page.locator(f"#webhook-{health.subscription_id}")
    expect(row).to_contain_text("Disabled")
    expect(row).to_contain_text("it gets no new deliveries")
    replay = row.get_by_label("Also send again what failed meanwhile")
    expect(replay).to_be_checked()

    with receiver.lock:  # the app's developer fixed the receiver
        receiver.answers = [Answer(204)]
    row.get_by_role("button", name="Enable").click()
    expect(page.get_by_text("what failed meanwhile is being sent again")).to_be_visible()

    replayed = wait_for(lambda: _all("succeeded", 2), timeout=90, what="the replayed deliveries")
    assert [(d.uid, d.replays) for d in replayed] == [(d.uid, 1) for d in failed]
    again = receiver.received[sent_before:]
    assert sorted(r.headers["webhook-id"] for r in again) == sorted(d.uid for d in failed)
    health.refresh_from_db()
    assert (health.state, health.enabled_by) == ("healthy", admin.email)

    page.reload()
    expect(row).not_to_contain_text("Disabled")
    expect(page.locator("#webhook-deliveries")).to_contain_text("Succeeded")
    expect(page.locator("#webhook-deliveries")).not_to_contain_text("Failed")
