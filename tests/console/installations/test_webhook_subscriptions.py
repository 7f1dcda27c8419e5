"""The installed app's page shows its admin a subscription at risk or disabled; the admin
enables a disabled one again, with or without the replay of what failed meanwhile."""

import pytest
from django.urls import reverse

from apps.catalog.models import App, AppStatus
from apps.jobs.models import Job
from tests.conftest import login
from tests.console.developer.test_webhook_subscriptions import failing

pytestmark = pytest.mark.django_db


def test_the_admin_sees_at_risk(account, admin):
    _, installation, _ = failing(account, admin, "at_risk")

    page = login(admin).get(
        reverse("console:installations:installation-detail", args=[installation.pk])
    )

    html = page.content.decode()
    assert "At risk" in html and "The app's developer has been told." in html
    assert "Enable</button>" not in html


def test_the_admin_enables_a_disabled_one(account, admin):
    _, installation, health = failing(account, admin, "disabled")
    detail = reverse("console:installations:installation-detail", args=[installation.pk])
    assert "Disabled" in login(admin).get(detail).content.decode()

    url = reverse(
        "console:installations:installation-webhook_enable",
        args=[installation.pk, health.subscription_id],
    )
    response = login(admin).post(url, {}, follow=True)

    health.refresh_from_db()
    assert (health.state, health.enabled_by) == ("healthy", "admin@acme.test")
    assert not Job.objects.exists()  # no replay asked
    assert "new changes are delivered to it again" in response.content.decode()


def test_enabling_is_refused_while_its_developer_deletes_the_app(account, admin):
    app, installation, health = failing(account, admin, "disabled")
    App.objects.filter(pk=app.pk).update(status=AppStatus.DELETING)
    detail = reverse("console:installations:installation-detail", args=[installation.pk])
    assert "Enable</button>" not in login(admin).get(detail).content.decode()

    url = reverse(
        "console:installations:installation-webhook_enable",
        args=[installation.pk, health.subscription_id],
    )
    response = login(admin).post(url, {"replay": "1"}, follow=True)

    health.refresh_from_db()
    assert health.state == "disabled" and health.enabled_at is None
    assert not Job.objects.exists()
    assert "cannot change any more" in response.content.decode()
