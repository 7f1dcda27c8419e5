"""An account admin invites a person by e-mail; the person signs up through the link and
lands in the account with the role given; the admin then changes their role, and the
account's history shows it all."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.accounts.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_invited_person_signs_up_and_lands_in_the_account_with_the_role(
    browser, page, sign_in, admin, account, sales_role, live_server
):
    from tests.factories import RoleFactory

    RoleFactory(account=account, name="Support", rights={"task": "full"})
    sign_in(admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Invite a member").first.click()
    page.get_by_label("E-mail address").fill("new.person@example.test")
    page.get_by_label("Role").select_option(label="Sales")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_text("Invitation sent to new.person@example.test.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("new.person@example.test"))).to_contain_text(
        "Pending"
    )
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/join/\S+/", message.body).group(0)

    # The invited person, in a browser of their own, signs up through the link.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    newcomer = context.new_page()
    try:
        newcomer.goto(link)
        expect(newcomer.get_by_role("heading", name="Join Acme Corp")).to_be_visible()
        newcomer.get_by_label("Your name").fill("New Person")
        newcomer.get_by_label("Password", exact=True).fill("A-long-passphrase-9")
        newcomer.get_by_label("Password again").fill("A-long-passphrase-9")
        newcomer.get_by_role("button", name="Sign up and join").click()

        expect(newcomer.get_by_text("Welcome to Acme Corp.")).to_be_visible()
        expect(newcomer.locator("dd", has_text="Sales")).to_be_visible()
    finally:
        context.close()
    membership = Membership.objects.get(user__email="new.person@example.test")
    assert (membership.account, membership.role) == (account, sales_role)

    # The admin moves them to Support; the history says who did what.
    page.goto("/accounts/members/")
    page.get_by_role("link", name="new.person@example.test").click()
    page.get_by_label("Role").select_option(label="Support")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved new.person@example.test.")).to_be_visible()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="History").click()
    history = page.locator("table")
    expect(history).to_contain_text("Member invited: new.person@example.test")
    expect(history).to_contain_text("Invitation accepted: new.person@example.test")
    expect(history).to_contain_text("role: Sales → Support")
    assert Membership.objects.get(user__email="new.person@example.test").role.name == "Support"
