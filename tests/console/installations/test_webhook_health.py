"""The installed app's page shows its admin the app's webhook deliveries on the account:
the last success, the last failure and the latest deliveries."""

import pytest
from django.urls import reverse

from apps.webhooks.models import Delivery
from apps.webhooks.services import delivery_send, events_fan_out
from tests.apps.webhooks.conftest import change, hooks_for, rename
from tests.apps.webhooks.receiver import Answer, Receiver
from tests.conftest import login
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def test_the_admin_sees_the_last_success_and_failure(account, admin, other_account, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver = Receiver(Answer(200), Answer(410))
    try:
        app = make_app(account=other_account, name="Hooked")
        version = make_version(
            app=app,
            status="published",
            scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
            webhooks=hooks_for(receiver.url),
        )
        installation = make_installation(account=account, version=version, by_user=admin)
        url = reverse(
            "console:installations:installation-detail",
            kwargs={"installation_id": installation.pk},
        )
        assert 'id="webhook-health"' not in login(admin).get(url).content.decode()

        rename(change(account), "Initrode")
        events_fan_out()
        for pk in Delivery.objects.order_by("pk").values_list("pk", flat=True):
            delivery_send(delivery_id=pk)
    finally:
        receiver.stop()

    page = login(admin).get(url).content.decode()
    assert 'id="webhook-health"' in page
    assert "answered 410" in page
    assert "crm.account.created" in page and "crm.account.updated" in page
    assert "The receiver answered 410." in page
