import pytest

from apps.webhooks.models import Delivery, SubscriptionHealth
from apps.webhooks.services import events_fan_out
from tests.apps.catalog.api.helpers import account_key, other_developer, other_key
from tests.apps.webhooks.conftest import change, hooks_for
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

__all__ = ["account_key", "disabled", "other_developer", "other_key"]


@pytest.fixture
def disabled(account, admin, other_account):
    """An app of ``other_account`` installed on ``account``, its ``created`` subscription
    disabled with one failed delivery."""
    app = make_app(account=other_account, name="Hooked")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Mirrors customers."}],
        webhooks=hooks_for("https://receiver.example.com/hooks", "crm.account.created"),
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    change(account)
    events_fan_out()
    delivery = Delivery.objects.get()
    Delivery.objects.update(status=Delivery.Status.FAILED, finished_at=delivery.created_at)
    health = SubscriptionHealth.objects.create(
        subscription_id=delivery.subscription_id,
        installation=installation,
        state=SubscriptionHealth.State.DISABLED,
        failing_since=delivery.created_at,
        last_failure_at=delivery.created_at,
        disabled_at=delivery.created_at,
    )
    return {"app": app, "installation": installation, "health": health}
