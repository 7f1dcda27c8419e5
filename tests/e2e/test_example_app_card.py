"""The Example Connector's CRM account card, in a real browser with the real connector
process: a Sales member opens a CRM account and the card loads; its page verifies the
launch token (whose ``record`` names the account) against the marketplace's JWKS, its
backend verifies a fresh one, the card lists the account's contacts through the SDK and
shows a notification. An update that drops the card removes it at once."""

import pytest
from playwright.sync_api import expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership, Role
from apps.catalog.models import App
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.installations.models import InstallationAccess
from apps.installations.services import installation_install, installation_update
from apps.modules.models import CrmContact
from tests.e2e.test_example_app_journey import connector  # noqa: F401  (fixture)
from tests.factories import make_version

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@acme.test"
SALES = "sales@acme.test"


def _membership(email):
    return Membership.objects.select_related("user", "account").get(
        user__email=email, account__slug="acme"
    )


def _sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def _without_card(app):
    """1.2.0: 1.0.0's manifest (at the running connector's address) without the card."""
    manifest = dict(app.versions.get(number="1.0.0").manifest)
    manifest["embeddings"] = [e for e in manifest["embeddings"] if e["id"] != "account-card"]
    overrides = {k: v for k, v in manifest.items() if k not in ("manifest_version", "version")}
    return make_version(app=app, number="1.2.0", status="published", **overrides)


def test_a_member_opens_a_crm_account_and_the_connectors_card_lists_its_contacts(
    page,
    connector,  # noqa: F811
):
    app = App.objects.get(name="Example Connector")
    admin, sales = _membership(ADMIN), _membership(SALES)
    admin_actor = actor_for_user(user=admin.user, membership=admin)
    installation = installation_install(
        account=admin.account, version=app.versions.get(number="1.0.0"), actor=admin_actor
    )
    InstallationAccess.objects.create(
        installation=installation, role=Role.objects.get(account=admin.account, name="Sales")
    )
    contact = CrmContact.objects.filter(account=admin.account, crm_account__isnull=False).first()
    customer = contact.crm_account
    names = CrmContact.objects.filter(crm_account=customer).count()

    _sign_in(page, SALES)
    page.goto(f"/records/crm/accounts/{customer.pk}/")
    card = page.locator(f'[data-record-card="{installation.pk}:account-card"]')
    expect(card).to_contain_text("Contacts in the Example Connector")
    frame = card.frame_locator("iframe.embedded__frame")
    expect(frame.locator("#launch-status")).to_contain_text(
        f"Verified launch: user {sales.user.pk} of acme on CRM account {customer.pk}"
    )
    expect(frame.locator("#sdk-status")).to_have_text(f"SDK ready on crm.account:{customer.pk}")
    expect(frame.locator("#whoami")).to_have_text(
        f"Our backend verified: user {sales.user.pk} of acme on crm.account {customer.pk}"
    )
    expect(frame.locator("#contacts li")).to_have_count(names)
    expect(frame.locator("#contacts")).to_contain_text(contact.last_name)
    expect(page.locator("#embedded-notices")).to_contain_text(
        f"Example Connector found {names} contact(s)"
    )

    # Opened on its own with a made-up record, the card trusts none of it.
    page.goto(connector.url + f"/embed/account?record=crm.account:{customer.pk}&launch_token=x")
    expect(page.locator("#launch-status")).to_contain_text("Launch token refused")

    # An update that drops the card: gone from the record's page at once.
    installation_update(
        installation=installation, version=_without_card(app), actor=admin_actor, consent=True
    )
    page.goto(f"/records/crm/accounts/{customer.pk}/")
    expect(page.get_by_role("heading", name=str(customer))).to_be_visible()
    expect(page.locator("[data-record-card]")).to_have_count(0)
    expect(page.locator("iframe")).to_have_count(0)
