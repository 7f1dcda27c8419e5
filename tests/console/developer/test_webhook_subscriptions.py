"""The Webhooks page shows the app's subscriptions at risk and disabled; its developer
enables a disabled one again, with the replay of what failed meanwhile."""

import pytest
from django.urls import reverse

from apps.jobs.models import Job
from tests.apps.webhooks.conftest import failing_subscription
from tests.conftest import login

pytestmark = pytest.mark.django_db


def failing(account, admin, state):
    """An app of ``account`` installed on it, its subscription failing in ``state``, with
    one failed delivery."""
    return failing_subscription(publisher=account, account=account, admin=admin, state=state)


def test_at_risk_is_shown_without_an_enable_button(account, admin, developer):
    app, _, _ = failing(account, admin, "at_risk")

    page = login(developer).get(reverse("console:developer:app-webhooks", args=[app.code]))

    html = page.content.decode()
    assert 'id="webhook-health"' in html and "At risk" in html
    assert "Enable</button>" not in html


def test_the_developer_enables_a_disabled_one_and_replays(account, admin, developer):
    app, _, health = failing(account, admin, "disabled")
    page = reverse("console:developer:app-webhooks", args=[app.code])
    assert "Enable</button>" in login(developer).get(page).content.decode()

    url = reverse(
        "console:developer:app-webhook-subscription-enable", args=[app.code, health.subscription_id]
    )
    response = login(developer).post(url, {"replay": "1"}, follow=True)

    health.refresh_from_db()
    assert (health.state, health.enabled_by) == ("healthy", "dev@acme.test")
    assert Job.objects.filter(kind="webhooks.replay_failed").count() == 1
    assert "what failed meanwhile is being sent again" in response.content.decode()
    assert 'id="webhook-health"' not in response.content.decode()
    # Again: it is not disabled any more; nothing changes and the page says why.
    again = login(developer).post(url, {"replay": "1"}, follow=True)
    assert "Only a disabled subscription can be enabled" in again.content.decode()
    assert Job.objects.count() == 1
