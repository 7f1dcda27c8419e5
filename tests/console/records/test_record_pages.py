"""The host product's own record pages: lists, record pages, create, edit and delete,
driven by the module registry, for members with none, read and full rights."""

import pytest
from django.urls import reverse

from apps.modules.models import ChangeEvent, CrmAccount, CrmContact, Task
from console.records.pages import PAGES
from tests.apps.modules.records import make_record
from tests.conftest import login

pytestmark = pytest.mark.django_db

ACCOUNTS = "/records/crm/accounts/"


def account_form(**changes):
    data = {
        "name": "Initech",
        "kind": "customer",
        "status": "active",
        "industry": "Software",
        "website": "",
        "email": "",
        "phone": "",
        "address": "",
        "notes": "",
        "owner": "",
    }
    return data | changes


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.code)
def test_every_page_opens_for_an_admin(admin, account, page):
    record = make_record(page.model, account)
    client = login(admin)

    for url in (
        reverse(page.url_name("list")),
        reverse(page.url_name("create")),
        reverse(page.url_name("detail"), kwargs={"record_id": record.pk}),
        reverse(page.url_name("edit"), kwargs={"record_id": record.pk}),
        reverse(page.url_name("delete"), kwargs={"record_id": record.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])


def test_a_member_creates_a_crm_account_with_its_change_event(member, account):
    response = login(member).post(ACCOUNTS + "new/", account_form(owner=member.pk))

    record = CrmAccount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{ACCOUNTS}{record.pk}/"
    assert (record.account, record.name, record.owner) == (account, "Initech", member)
    event = ChangeEvent.objects.get()
    assert (event.model, event.action, event.record_id) == ("crm.account", "created", record.pk)
    assert (event.actor_kind, event.actor_user_id) == ("user", member.pk)


def test_a_member_edits_a_crm_account_with_the_changed_fields_in_its_event(member, account):
    record = make_record(CrmAccount, account, name="Initech")
    data = account_form(name="Initrode", industry="", revision=record.revision)

    response = login(member).post(f"{ACCOUNTS}{record.pk}/edit/", data)

    record.refresh_from_db()
    assert response.status_code == 302
    assert (record.name, record.revision) == ("Initrode", 2)
    event = ChangeEvent.objects.get()
    assert (event.action, event.changed) == ("updated", ["name"])


def test_an_edit_over_someone_elses_change_is_refused_and_changes_nothing(member, account):
    record = make_record(CrmAccount, account, name="Initech")
    CrmAccount.objects.filter(pk=record.pk).update(revision=5, name="Changed meanwhile")

    response = login(member).post(
        f"{ACCOUNTS}{record.pk}/edit/", account_form(name="Mine", revision=1)
    )

    record.refresh_from_db()
    assert response.status_code == 400
    assert "Someone changed this CRM account since you opened it" in response.content.decode()
    assert (record.name, record.revision) == ("Changed meanwhile", 5)
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"kind": "enemy"}, "kind", "Select a valid choice."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
    ],
)
def test_bad_input_is_named_under_its_field_and_writes_nothing(
    member, account, changes, field, message
):
    response = login(member).post(ACCOUNTS + "new/", account_form(**changes))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert not CrmAccount.objects.exists()
    assert not ChangeEvent.objects.exists()


def test_a_relation_to_another_accounts_record_is_refused_under_its_field(
    member, account, other_account
):
    theirs = make_record(CrmAccount, other_account)
    data = {"first_name": "Ada", "last_name": "L", "status": "active", "crm_account": theirs.pk}

    response = login(member).post("/records/crm/contacts/new/", data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["crm_account"]
    assert not CrmContact.objects.exists()


def test_the_registrations_cross_field_check_is_named_under_its_field(admin, account):
    data = {
        "title": "Call",
        "status": "confirmed",
        "starts_at": "2026-03-10T10:00",
        "ends_at": "2026-03-10T09:00",
    }

    response = login(admin).post("/records/calendar/events/new/", data)

    assert response.status_code == 400
    assert response.context["form"].errors == {"ends_at": ["Must not be before starts_at."]}
    assert not ChangeEvent.objects.exists()


def test_deleting_writes_the_event_and_unlinks_what_pointed_at_it(member, account):
    record = make_record(CrmAccount, account)
    contact = make_record(CrmContact, account, crm_account=record)

    response = login(member).post(f"{ACCOUNTS}{record.pk}/delete/")

    contact.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == ACCOUNTS
    assert not CrmAccount.objects.exists()
    assert contact.crm_account is None
    assert sorted(ChangeEvent.objects.values_list("model", "action")) == [
        ("crm.account", "deleted"),
        ("crm.contact", "updated"),
    ]


def test_a_read_only_member_sees_records_without_edit_or_delete(member, account):
    task = make_record(Task, account, title="Call Initech")
    client = login(member)

    listed = client.get("/records/tasks/").content.decode()
    shown = client.get(f"/records/tasks/{task.pk}/").content.decode()

    assert "Call Initech" in listed and "New task" not in listed
    assert "Call Initech" in shown
    assert f"/records/tasks/{task.pk}/edit/" not in shown
    assert f"/records/tasks/{task.pk}/delete/" not in shown
    assert client.get(f"/records/tasks/{task.pk}/edit/").status_code == 403


def test_the_record_page_leaves_a_region_for_record_cards(member, account):
    record = make_record(CrmAccount, account)

    page = login(member).get(f"{ACCOUNTS}{record.pk}/").content.decode()

    assert f'data-record-cards data-model="crm.account" data-record-id="{record.pk}"' in page


def test_a_crm_accounts_page_lists_its_contacts(member, account):
    record = make_record(CrmAccount, account)
    contact = make_record(CrmContact, account, crm_account=record, first_name="Ada")

    page = login(member).get(f"{ACCOUNTS}{record.pk}/").content.decode()

    assert f'href="/records/crm/contacts/{contact.pk}/"' in page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.code)
def test_a_lists_queries_do_not_grow_with_its_rows(
    admin, account, page, django_assert_max_num_queries, django_assert_num_queries
):
    client = login(admin)
    url = reverse(page.url_name("list"))
    make_record(page.model, account)
    client.get(url)  # sessions and caches warm

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        make_record(page.model, account)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(few)


def test_the_sidebar_offers_the_pages_of_the_modules_a_member_may_read(member, admin):
    member_links = login(member).get("/").context["nav_sections"]
    admin_links = login(admin).get("/").context["nav_sections"]

    def records(sections):
        return [link.label for s in sections if s.key == "records" for link in s.links]

    assert records(member_links) == ["CRM accounts", "Contacts", "Deals", "Tasks"]
    assert records(admin_links) == [page.label for page in PAGES]


def test_a_member_without_a_right_on_the_module_is_refused(member, account):
    product = make_record(PAGES[4].model, account)

    client = login(member)

    assert client.get("/records/products/").status_code == 403
    assert client.get(f"/records/products/{product.pk}/").status_code == 403
    assert "no access to the products module" in client.get("/records/products/").content.decode()


@pytest.fixture
def without_contacts():
    """The host serves ``crm.contact`` elsewhere: it is unregistered for the test."""
    from apps.modules.registry import _REGISTRY, unregister

    saved = _REGISTRY["crm.contact"]
    unregister("crm.contact")
    yield
    _REGISTRY["crm.contact"] = saved


def test_a_model_the_host_unregisters_loses_its_pages_and_links_only(
    member, account, without_contacts
):
    record = make_record(CrmAccount, account, name="Initech")
    client = login(member)

    shown = client.get(f"{ACCOUNTS}{record.pk}/")
    sections = client.get("/").context["nav_sections"]

    assert shown.status_code == 200
    assert client.get("/records/crm/contacts/").status_code == 404
    assert client.get("/records/crm/contacts/new/").status_code == 404
    assert "Contacts" not in [link.label for s in sections for link in s.links]


def test_a_list_narrowed_to_one_related_record_keeps_it_while_searching(
    member, account, other_account
):
    initech = make_record(CrmAccount, account, name="Initech")
    theirs = make_record(CrmAccount, other_account, name="Theirs")
    ada = make_record(CrmContact, account, crm_account=initech, first_name="Ada")
    bob = make_record(CrmContact, account, first_name="Bob")
    client = login(member)

    narrowed = client.get(f"/records/crm/contacts/?crm_account={initech.pk}")
    ignored = client.get(f"/records/crm/contacts/?crm_account={theirs.pk}")

    assert [r.pk for r in narrowed.context["cl"].rows] == [ada.pk]
    assert "Only those whose CRM account is" in narrowed.content.decode()
    assert ("crm_account", str(initech.pk)) in narrowed.context["cl"].hidden_params
    assert sorted(r.pk for r in ignored.context["cl"].rows) == sorted([ada.pk, bob.pk])
    assert ignored.context["narrowing"] is None


def test_a_record_page_links_to_all_of_its_related_records_past_the_first_ten(member, account):
    initech = make_record(CrmAccount, account, name="Initech")
    for n in range(11):
        make_record(CrmContact, account, crm_account=initech, first_name=f"C{n}")

    page = login(member).get(f"{ACCOUNTS}{initech.pk}/").content.decode()

    assert f'href="/records/crm/contacts/?crm_account={initech.pk}">see all 11</a>' in page
