"""An account admin connects an installed app to its outside service (the example
provider as a real process) and tests the connection: parameters saved, Connect, the
provider's consent, back on the page connected, the test passed, Test again."""

import pytest
from playwright.sync_api import expect

from apps.connections.authorization import connection_access_token
from tests.apps.connections.test_oauth_flow import actor_of, oauth2_connection
from tests.examples.provider_process import CLIENT_ID, CLIENT_SECRET, provider_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(live_server):
    with provider_process(redirect_uris=[f"{live_server.url}/connections/callback/"]) as running:
        yield running


def test_an_admin_connects_an_app_to_its_outside_service_and_tests_it(
    page, sign_in, admin, account, outsider, other_account, provider, settings
):
    from apps.accounts.models import Membership
    from apps.connections.authorization import outside_client_set
    from tests.factories import make_app, make_version
    from tests.factories.installations import make_installation

    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    Membership.objects.filter(user=outsider).update(is_developer=True)
    app = make_app(account=other_account, name="Notes sync")
    version = make_version(
        app=app, number="1.0.0", status="published", connection=oauth2_connection(provider)
    )
    outside_client_set(
        app=app, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, actor=actor_of(outsider)
    )
    installation = make_installation(account=account, version=version, by_user=admin)

    sign_in(admin)
    page.goto(f"/apps/installed/{installation.pk}/")
    page.locator("#connection-link").click()
    expect(page.locator("#connection-needs-setup")).to_contain_text("Workspace")
    page.get_by_label("Workspace").fill("acme")
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_text("Connection saved.")).to_be_visible()

    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text("asks to access your account")).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    expect(page.get_by_text("Notes sync is connected.")).to_be_visible()
    expect(page.locator("#oauth-connection")).to_have_attribute("data-status", "connected")
    expect(page.locator("#connection-test")).to_have_attribute("data-result", "passed")
    expect(page.locator("#test-status")).to_have_text("200")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.get_by_text("The connection test passed.")).to_be_visible()

    token, _row = connection_access_token(installation=installation)
    html = page.content()
    assert token not in html and CLIENT_SECRET not in html
