"""Change events: one row per create, update and delete of module data, written in the
transaction of the change (absent when it rolls back), naming who did it, the changed
fields and the record as the API serializes it; trimmed past their retention."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from apps.accounts.actors import actor_system
from apps.modules import events
from apps.modules.events import event_write, events_trim
from apps.modules.models import ChangeEvent, CrmAccount, CrmContact, CrmPhone
from apps.modules.services import record_create
from apps.modules.tasks import events_trim_task
from tests.apps.api.helpers import API, api_client
from tests.apps.modules.records import make_record, record_values

pytestmark = pytest.mark.django_db


def _events():
    return list(
        ChangeEvent.objects.order_by("pk").values_list("model", "action", "record_id", "changed")
    )


def test_an_apps_create_update_and_delete_write_one_event_each(install, admin, token_for, account):
    installation = install("crm.accounts:full")
    client = api_client(key=token_for(installation, admin))

    created = client.post(f"{API}/crm/account/", {"name": "Initech"}, format="json").json()
    url = f"{API}/crm/account/{created['id']}/"
    changed = client.patch(url, {"name": "Initrode", "status": "active"}, format="json").json()
    client.delete(url)

    rid = created["id"]
    assert _events() == [
        ("crm.account", "created", rid, ["name"]),
        ("crm.account", "updated", rid, ["name"]),
        ("crm.account", "deleted", rid, []),
    ]
    first, second, third = ChangeEvent.objects.order_by("pk")
    assert first.data == created
    assert second.data == changed
    assert third.data == changed
    assert {e.actor_kind for e in (first, second, third)} == {"app"}
    assert first.actor_user_id == admin.pk
    assert first.installation_id == installation.pk
    assert first.api_key_id is None
    assert first.account_id == account.pk


def test_an_api_keys_change_names_the_key(account, account_key):
    from apps.accounts.models import ApiKey

    api_client(key=account_key).post(f"{API}/task/task/", {"title": "Call"}, format="json")

    event = ChangeEvent.objects.get()
    assert event.actor_kind == "api_key"
    assert event.api_key_id == ApiKey.objects.get(account=account).pk
    assert event.actor_user_id is None
    assert event.actor_label.startswith("API key mpk_")


def test_a_refused_change_writes_no_event(account, account_key):
    record = make_record(CrmAccount, account)
    client = api_client(key=account_key)

    client.patch(
        f"{API}/crm/account/{record.pk}/", {"name": "X"}, format="json", HTTP_IF_MATCH='"9"'
    )
    client.post(f"{API}/crm/account/", {"name": ""}, format="json")

    assert _events() == []


def test_an_event_rolls_back_with_its_change(account):
    actor = actor_system(label="import")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_create(model=CrmAccount, account_id=account.pk, values={"name": "A"}, actor=actor)
        assert ChangeEvent.objects.count() == 1
        raise RuntimeError("the rest of the import failed")

    assert _events() == []
    assert not CrmAccount.objects.exists()


@pytest.fixture
def heard():
    """What the events' listener hears: one entry per committed transaction that wrote
    events, the (account id, type) pairs it wrote. The installed listener comes back."""
    installed = events._listener
    calls: list[frozenset[tuple[int, str]]] = []
    events.events_listener_set(calls.append)
    yield calls
    events.events_listener_set(installed)


def _contact(account, **values):
    return record_create(
        model=CrmContact,
        account_id=account.pk,
        values={**record_values(CrmContact, account), **values},
        actor=actor_system(label="import"),
    )


def test_the_listener_hears_once_per_transaction_after_commit(
    account, other_account, heard, django_capture_on_commit_callbacks
):
    actor = actor_system(label="import")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        record = record_create(
            model=CrmAccount, account_id=account.pk, values={"name": "A"}, actor=actor
        )
        record_create(
            model=CrmAccount, account_id=other_account.pk, values={"name": "B"}, actor=actor
        )
        with transaction.atomic():
            _contact(account, crm_account=record)
        assert heard == []

    assert heard == [
        frozenset(
            {
                (account.pk, "crm.account.created"),
                (other_account.pk, "crm.account.created"),
                (account.pk, "crm.contact.created"),
            }
        )
    ]


def test_the_listener_hears_nothing_of_a_rollback_and_the_rest_after_a_savepoints(
    account, heard, django_capture_on_commit_callbacks
):
    actor = actor_system(label="import")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            record_create(
                model=CrmAccount, account_id=account.pk, values={"name": "A"}, actor=actor
            )
            raise RuntimeError("the rest of the import failed")
        assert heard == []
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                record_create(
                    model=CrmAccount, account_id=account.pk, values={"name": "B"}, actor=actor
                )
                raise RuntimeError("this part failed")
            _contact(account)

    assert heard == [frozenset({(account.pk, "crm.contact.created")})]


def test_deleting_a_contact_writes_events_for_its_phones_and_cleared_links(account, account_key):
    from apps.modules.models import CalendarEvent

    contact = make_record(CrmContact, account)
    phone = make_record(CrmPhone, account, contact=contact)
    meeting = make_record(CalendarEvent, account, contact=contact)

    response = api_client(key=account_key).delete(f"{API}/crm/contact/{contact.pk}/")

    assert response.status_code == 204
    assert sorted(_events()) == sorted(
        [
            ("crm.contact", "deleted", contact.pk, []),
            ("crm.phone", "deleted", phone.pk, []),
            ("calendar.event", "updated", meeting.pk, ["contact"]),
        ]
    )
    meeting.refresh_from_db()
    assert meeting.contact_id is None
    assert meeting.revision == 2
    cleared = ChangeEvent.objects.get(model="calendar.event")
    assert cleared.data["contact"] is None


@override_settings(MODULE_EVENT_RETENTION_DAYS=30)
def test_the_trim_deletes_only_events_past_their_retention(account):
    actor = actor_system(label="x")
    with transaction.atomic():
        for age in (40, 31, 29, 0):
            event = event_write(
                account_id=account.pk,
                model="crm.account",
                action="created",
                record_id=age,
                actor=actor,
                data={},
            )
            ChangeEvent.objects.filter(pk=event.pk).update(
                occurred_at=timezone.now() - timedelta(days=age)
            )

    assert events_trim(batch=1) == 2
    assert events_trim_task() == 0
    assert sorted(ChangeEvent.objects.values_list("record_id", flat=True)) == [0, 29]
