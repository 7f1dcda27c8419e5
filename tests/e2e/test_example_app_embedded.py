"""The Example Connector as an embedded app, in a real browser with the real connector
process: Acme's admin installs it, opens it from the main menu; its page verifies the
launch token against the marketplace's JWKS before showing anything, asks its backend
who opened it with a fresh token from the SDK, shows a notification and a dialog."""

import pytest
from playwright.sync_api import expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.models import App
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.installations.services import installation_install
from tests.e2e.test_example_app_journey import connector  # noqa: F401  (fixture)

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@acme.test"


def test_the_admin_opens_the_example_connector_from_the_main_menu(page, connector):  # noqa: F811
    app = App.objects.get(name="Example Connector")
    admin = Membership.objects.select_related("user", "account").get(
        user__email=ADMIN, account__slug="acme"
    )
    installation_install(
        account=admin.account,
        version=app.versions.get(number="1.0.0"),
        actor=actor_for_user(user=admin.user, membership=admin),
    )

    page.goto("/login/")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.locator("#app-menu").get_by_role("link", name="Example Connector").click()

    frame = page.frame_locator("iframe.embedded__frame")
    expect(frame.locator("#launch-status")).to_contain_text(
        f"Verified launch: user {admin.user.pk} of acme at main_menu"
    )
    expect(frame.locator("#sdk-status")).to_have_text("SDK ready: connector.home in en")
    expect(frame.locator("#whoami")).to_have_text(
        f"Our backend verified: user {admin.user.pk} of acme "
        f"(installation {app.installations.get().pk})"
    )
    expect(page.locator("#embedded-notices")).to_contain_text("Example Connector is ready")

    frame.locator("#dialog-button").click()
    dialog = page.locator("dialog.embedded-dialog--modal")
    expect(dialog).to_be_visible()
    dialog.frame_locator("iframe").locator("#dialog-close").click()
    expect(dialog).to_have_count(0)
    expect(frame.locator("#dialog-result")).to_have_text('The dialog answered: {"ok":true}')

    # The account's customers, through the SDK's api.request as the admin.
    frame.locator("#customers-button").click()
    expect(frame.locator("#customers li").first).to_be_visible()

    # Opened on its own with a made-up context, the page trusts none of it.
    page.goto(connector.url + "/embed?domain=evil.example&launch_token=x.y.z")
    expect(page.locator("#launch-status")).to_contain_text("Launch token refused")
