"""A member works with the product's own records in a browser: lists the CRM accounts,
creates one, edits it and opens one of its contacts; a member whose role only reads CRM
sees the same records without a way to change them."""

import re

import pytest
from playwright.sync_api import expect

from apps.modules.models import ChangeEvent, CrmAccount
from tests.apps.modules.records import make_record
from tests.factories import MembershipFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_lists_creates_and_edits_crm_accounts_and_opens_a_contact(
    page, sign_in, member, account
):
    from apps.modules.models import CrmContact

    initech = make_record(CrmAccount, account, name="Initech", industry="Software")
    make_record(CrmContact, account, crm_account=initech, first_name="Ada", last_name="Lovelace")
    sign_in(member)

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="CRM accounts").click()
    expect(page.get_by_role("heading", name="CRM accounts")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Initech"))).to_contain_text("Software")

    page.get_by_role("link", name="New CRM account").click()
    page.get_by_label("Name").fill("Globodyne")
    page.get_by_label("Kind").select_option(label="Prospect")
    page.get_by_role("button", name="Save CRM account").click()
    expect(page.get_by_text("The CRM account “Globodyne” is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Globodyne")).to_be_visible()
    expect(page.locator("dd", has_text="Prospect")).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Industry").fill("Energy")
    page.get_by_role("button", name="Save CRM account").click()
    expect(page.get_by_text("The CRM account “Globodyne” is saved.")).to_be_visible()
    expect(page.locator("dd", has_text="Energy")).to_be_visible()

    page.get_by_role("link", name="CRM accounts").first.click()
    page.get_by_role("searchbox").fill("Initech")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("1\u20131 of 1")).to_be_visible()
    page.get_by_role("link", name="Initech").click()
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(page.locator("dd", has_text="Initech")).to_be_visible()

    created = CrmAccount.objects.get(name="Globodyne")
    assert (created.kind, created.industry, created.revision) == ("prospect", "Energy", 2)
    events = ChangeEvent.objects.filter(model="crm.account", record_id=created.pk)
    assert sorted(events.values_list("action", "actor_user__email")) == [
        ("created", member.email),
        ("updated", member.email),
    ]


def test_a_member_who_only_reads_crm_sees_no_way_to_change_it(page, sign_in, account):
    reader = MembershipFactory(
        account=account,
        user=UserFactory(email="reader@acme.test"),
        role=RoleFactory(account=account, name="Viewer", rights={"crm": "read"}),
    ).user
    initech = make_record(CrmAccount, account, name="Initech")
    sign_in(reader)

    sections = page.get_by_role("navigation", name="Sections")
    expect(sections.get_by_role("link", name="Tasks")).to_have_count(0)
    sections.get_by_role("link", name="CRM accounts").click()
    expect(page.get_by_role("link", name="Initech")).to_be_visible()
    expect(page.get_by_role("link", name="New CRM account")).to_have_count(0)

    page.get_by_role("link", name="Initech").click()
    expect(page.get_by_role("heading", name="Initech")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete…")).to_have_count(0)

    page.goto(f"/records/crm/accounts/{initech.pk}/edit/")
    expect(page.get_by_text("to change these records you need full access")).to_be_visible()
    assert CrmAccount.objects.get().revision == 1
