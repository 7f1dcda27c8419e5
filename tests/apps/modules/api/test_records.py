"""What the record endpoints do for a caller who may: filters, search, ordering and
cursor pages; validation naming the field; relations to another account's records
refused as not found; constant query counts; ETags and If-Match."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.modules.models import CrmAccount, CrmContact, CrmDeal, CrmPhone, Task
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.modules.records import make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm(install, admin, token_for):
    """A client of an app holding ``crm.accounts:full``, acting for the admin."""
    return api_client(key=token_for(install("crm.accounts:full"), admin))


@pytest.fixture
def key_client(account_key):
    return api_client(key=account_key)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_crm_accounts_contacts_and_phones_round_trip(crm, account):
    company = crm.post(f"{API}/crm/company/", {"name": "Initech"}, format="json").json()
    contact = crm.post(
        f"{API}/crm/contact/",
        {"first_name": "Ada", "last_name": "Lovelace", "company": company["id"]},
        format="json",
    )
    assert contact.status_code == 201, contact.content
    phone = crm.post(
        f"{API}/crm/phone/",
        {"contact": contact.json()["id"], "number": "+1 555 0100", "kind": "mobile"},
        format="json",
    )

    assert phone.status_code == 201, phone.content
    assert phone.json()["contact"] == contact.json()["id"]
    assert CrmPhone.objects.get().contact.company.name == "Initech"
    assert _ids(crm.get(f"{API}/crm/phone/", {"contact": contact.json()["id"]})) == [
        phone.json()["id"]
    ]


def test_filters_search_and_ordering(key_client, account, admin):
    a = make_record(CrmAccount, account, name="Alpha", status="active", industry="Retail")
    b = make_record(CrmAccount, account, name="Beta", status="archived", owner=admin)
    c = make_record(CrmAccount, account, name="Gamma", status="active", industry="Software")

    assert _ids(key_client.get(f"{API}/crm/account/", {"status": "active"})) == [c.pk, a.pk]
    assert _ids(key_client.get(f"{API}/crm/account/", {"owner": admin.pk})) == [b.pk]
    assert _ids(key_client.get(f"{API}/crm/account/", {"search": "amm"})) == [c.pk]
    assert _ids(key_client.get(f"{API}/crm/account/", {"ordering": "name"})) == [a.pk, b.pk, c.pk]
    assert _ids(key_client.get(f"{API}/crm/account/", {"ordering": "-name"})) == [c.pk, b.pk, a.pk]


def test_updated_since_filters_on_the_last_change(key_client, account):
    old = make_record(CrmAccount, account, name="Old")
    CrmAccount.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")
    new = make_record(CrmAccount, account, name="New")

    since = key_client.get(f"{API}/crm/account/", {"updated_since": "2024-01-01T00:00:00Z"})

    assert _ids(since) == [new.pk]


def test_a_bad_filter_value_is_refused_naming_the_parameter(key_client, account):
    response = key_client.get(f"{API}/crm/account/", {"status": "sleeping", "owner": "x"})

    assert_error(response, 400, "invalid", fields={"status", "owner"})


def test_cursor_pages_walk_every_record_once(key_client, account):
    made = [make_record(Task, account, title=f"Task {i}").pk for i in range(7)]
    seen, url = [], f"{API}/task/task/?page_size=3"
    while url:
        body = key_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == sorted(made, reverse=True)
    assert "count" not in body


def test_validation_errors_name_each_field(key_client):
    response = key_client.post(
        f"{API}/crm/leads/",
        {"title": "", "amount": "lots", "currency": "euro", "secret": 1, "id": 5},
        format="json",
    )

    error = assert_error(
        response, 400, "invalid", fields={"title", "amount", "currency", "secret", "id"}
    )
    assert error["fields"]["secret"] == ["Unknown field."]
    assert error["fields"]["id"] == ["This field cannot be written."]
    assert not CrmDeal.objects.exists()


def test_a_stage_of_another_pipeline_is_refused_on_the_stage(key_client, account):
    from apps.modules.models import CrmPipeline, CrmStage

    one, two = (make_record(CrmPipeline, account) for _ in range(2))
    stage = make_record(CrmStage, account, pipeline=two)

    response = key_client.post(
        f"{API}/crm/leads/",
        {"title": "Deal", "pipeline": one.pk, "stage": stage.pk},
        format="json",
    )

    error = assert_error(response, 400, "invalid", fields={"stage"})
    assert "is not a stage of the pipeline" in error["fields"]["stage"][0]


def test_references_to_another_accounts_records_are_not_found(
    key_client, account, other_account, outsider
):
    theirs = make_record(CrmContact, other_account)

    response = key_client.post(
        f"{API}/crm/phone/",
        {"contact": theirs.pk, "number": "1", "owner": outsider.pk},
        format="json",
    )

    error = assert_error(response, 400, "invalid", fields={"contact", "owner"})
    assert error["fields"]["contact"] == [
        f"Not found: there is no CRM contact {theirs.pk} in this account."
    ]
    assert theirs.first_name not in str(response.content)
    assert not CrmPhone.objects.exists()


def test_a_patch_cannot_move_a_record_to_another_accounts_relation(
    key_client, account, other_account
):
    phone = make_record(CrmPhone, account)
    theirs = make_record(CrmContact, other_account)

    response = key_client.patch(
        f"{API}/crm/phone/{phone.pk}/", {"contact": theirs.pk}, format="json"
    )

    assert_error(response, 400, "invalid", fields={"contact"})
    assert CrmPhone.objects.get(pk=phone.pk).contact_id == phone.contact_id


def test_a_record_in_use_is_not_deleted(key_client, account):
    from apps.modules.models import CrmPipeline

    pipeline = make_record(CrmPipeline, account)
    make_record(CrmDeal, account, pipeline=pipeline)

    response = key_client.delete(f"{API}/crm/pipeline/{pipeline.pk}/")

    error = assert_error(response, 409, "record_in_use")
    assert "1 of the account's CRM deals" in error["message"]
    assert CrmPipeline.objects.filter(pk=pipeline.pk).exists()


@pytest.mark.parametrize("path", ["crm/account", "task/task", "crm/leads", "fin/invoices"])
def test_a_list_costs_the_same_queries_for_2_or_30_rows(path, install, admin, token_for, account):
    from apps.modules.registry import registration_for

    registration = registration_for(path.replace("/", "."))
    client = api_client(key=token_for(install(f"{registration.module}:read"), admin))
    counts = []
    for rows in (2, 30):
        for _ in range(rows - registration.model.objects.count()):
            make_record(registration.model, account, owner=admin)
        client.get(f"{API}/{path}/")
        with CaptureQueriesContext(connection) as queries:
            assert len(_ids(client.get(f"{API}/{path}/", {"page_size": 100}))) == rows
        counts.append(len(queries))

    assert counts[0] == counts[1] == 2  # the token, the page


def test_if_match_changes_only_the_revision_it_names(key_client, account):
    record = make_record(CrmAccount, account, name="Initech")
    url = f"{API}/crm/account/{record.pk}/"
    tag = key_client.get(url)["ETag"]

    first = key_client.patch(url, {"name": "Initrode"}, format="json", HTTP_IF_MATCH=tag)
    stale = key_client.patch(url, {"name": "Intertrode"}, format="json", HTTP_IF_MATCH=tag)

    assert first.status_code == 200
    assert first["ETag"] == '"2"' != tag
    error = assert_error(stale, 409, "precondition_failed", fields={"If-Match"})
    assert error["fields"]["If-Match"] == ['The current ETag is "2".']
    assert CrmAccount.objects.get(pk=record.pk).name == "Initrode"


def test_a_malformed_if_match_is_refused(key_client, account):
    record = make_record(CrmAccount, account, name="Initech")

    response = key_client.patch(
        f"{API}/crm/account/{record.pk}/", {"name": "X"}, format="json", HTTP_IF_MATCH="yes"
    )

    assert_error(response, 400, "invalid", fields={"If-Match"})
    assert CrmAccount.objects.get(pk=record.pk).name == "Initech"


def test_a_cursor_this_api_did_not_answer_is_refused(key_client):
    response = key_client.get(f"{API}/crm/account/", {"cursor": "not-a-cursor"})

    assert_error(response, 400, "invalid", fields={"cursor"})


def test_ids_past_the_largest_row_id_are_not_found_or_refused(key_client, account):
    huge = 2**63

    assert_error(key_client.get(f"{API}/crm/account/{huge}/"), 404, "not_found")
    assert_error(
        key_client.get(f"{API}/crm/account/", {"owner": huge}), 400, "invalid", fields={"owner"}
    )
    response = key_client.post(f"{API}/crm/phone/", {"contact": huge, "number": "1"}, format="json")
    assert_error(response, 400, "invalid", fields={"contact"})
