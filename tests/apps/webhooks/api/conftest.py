import pytest

from apps.webhooks.models import SubscriptionHealth
from tests.apps.catalog.api.helpers import account_key, other_developer, other_key
from tests.apps.webhooks.conftest import failing_subscription

__all__ = ["account_key", "disabled", "other_developer", "other_key"]


@pytest.fixture
def disabled(account, admin, other_account):
    """An app of ``other_account`` installed on ``account``, its ``created`` subscription
    disabled with one failed delivery."""
    app, installation, health = failing_subscription(
        publisher=other_account,
        account=account,
        admin=admin,
        state=SubscriptionHealth.State.DISABLED,
        also=("last_failure_at", "disabled_at"),
    )
    return {"app": app, "installation": installation, "health": health}
