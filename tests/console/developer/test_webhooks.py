"""The app's Webhooks page: the signing secret and the platform's public key shown to its
developer, rotation keeping the previous secret for a day, the delivery log with its
filters, and one delivery with its attempts."""

import pytest
from django.urls import reverse

from apps.webhooks.models import Delivery, SigningSecret
from apps.webhooks.services import delivery_send, events_fan_out, signing_secret_current
from apps.webhooks.signing import platform_public_key
from tests.apps.webhooks.conftest import change, hooks_for, rename
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.conftest import login
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(account, admin, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver = Receiver(Answer(503, body=b"busy"), Answer(200))
    app = make_app(account=account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
        webhooks=hooks_for(receiver.url),
    )
    make_installation(account=account, version=version, by_user=admin)
    yield app
    receiver.stop()


def _page(app):
    return reverse("console:developer:app-webhooks", kwargs={"code": app.code})


def test_the_developer_sees_the_secret_the_public_key_and_the_deliveries(
    hooked, developer, account
):
    record = change(account)
    rename(record, "Initrode")
    events_fan_out()
    created = Delivery.objects.get(event_type="crm.account.created")
    delivery_send(delivery_id=created.pk)

    page = login(developer).get(_page(hooked)).content.decode()

    assert signing_secret_current(app_id=hooked.pk) in page
    assert platform_public_key() in page
    assert "crm.account.created" in page and "crm.account.updated" in page
    assert "The receiver answered 503." in page

    filtered = login(developer).get(_page(hooked), {"event": "crm.account.updated"})
    assert "crm.account.created" not in filtered.content.decode()
    pending = login(developer).get(_page(hooked), {"status": "succeeded"})
    assert "No deliveries match these filters." in pending.content.decode()

    detail = login(developer).get(
        reverse(
            "console:developer:app-webhook-delivery",
            kwargs={"code": hooked.code, "delivery_id": created.uid},
        )
    )
    text = detail.content.decode()
    assert detail.status_code == 200
    assert created.uid in text and "busy" in text and "503" in text


def test_rotating_keeps_the_previous_secret_for_a_day(hooked, developer):
    old = signing_secret_current(app_id=hooked.pk)
    client = login(developer)

    response = client.post(
        reverse("console:developer:app-webhooks-rotate", kwargs={"code": hooked.code})
    )

    assert response.status_code == 302
    new = signing_secret_current(app_id=hooked.pk)
    assert new != old
    page = client.get(_page(hooked)).content.decode()
    assert new in page and old in page and "Still signs until" in page
    assert SigningSecret.objects.filter(app=hooked).count() == 2


def test_a_failed_delivery_is_sent_again_from_its_page(hooked, developer, account):
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get(event_type="crm.account.created")
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
    url = reverse(
        "console:developer:app-webhook-delivery",
        kwargs={"code": hooked.code, "delivery_id": delivery.uid},
    )
    client = login(developer)
    assert 'id="replay"' in client.get(url).content.decode()

    response = client.post(url + "replay/")

    assert response.status_code == 302 and response["Location"] == url
    delivery.refresh_from_db()
    assert (delivery.status, delivery.replays) == ("pending", 1)
    again = client.post(url + "replay/", follow=True).content.decode()
    assert "Only a delivery that succeeded or failed can be replayed" in again
