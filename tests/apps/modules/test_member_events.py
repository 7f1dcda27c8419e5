"""Change events of account users (``users.user``): every accounts service that adds,
changes or removes members writes one event per member in the transaction of the change
(none when it rolls back or is refused), with the member as the users API serializes
them, who did it and the fields that changed."""

import pytest
from django.db import transaction

from apps.accounts.actors import actor_for_api_key, actor_for_user
from apps.accounts.errors import LastAdmin
from apps.accounts.models import Membership
from apps.accounts.services import (
    group_delete,
    invitation_accept,
    invitation_accept_by_signup,
    invitation_create,
    membership_remove,
    membership_set_active,
    membership_update,
    role_delete,
    role_update,
)
from apps.modules.api.users import UserOutput
from apps.modules.models import ChangeEvent
from tests.apps.api.helpers import API, api_client
from tests.factories import ApiKeyFactory, GroupFactory, MembershipFactory, RoleFactory, UserFactory
from tests.factories.installations import issue_token

pytestmark = pytest.mark.django_db


def _events():
    return list(
        ChangeEvent.objects.order_by("pk").values_list("model", "action", "record_id", "changed")
    )


def _body(user, account):
    """The member as the users API answers them now."""
    membership = Membership.objects.select_related("user", "role", "account").get(
        user=user, account=account
    )
    return dict(UserOutput(membership).data)


@pytest.fixture
def as_admin(admin, account):
    return actor_for_user(
        user=admin, membership=Membership.objects.get(user=admin, account=account)
    )


@pytest.fixture
def tokens():
    links = []

    def link_for(token):
        links.append(token)
        return f"https://acme.test/invitations/{token}/"

    return links, link_for


def test_accepting_an_invitation_adds_the_member_with_an_event(
    as_admin, account, sales_role, tokens
):
    links, link_for = tokens
    invitation_create(
        actor=as_admin, email="new@acme.test", link_for=link_for, role_id=sales_role.pk
    )
    user = UserFactory(email="new@acme.test", full_name="Nia New")

    invitation_accept(raw_token=links[-1], user=user)

    event = ChangeEvent.objects.get()
    assert (event.model, event.action, event.record_id) == ("users.user", "created", user.pk)
    assert event.account_id == account.pk
    assert event.data == _body(user, account)
    assert event.data["role"] == "Sales"
    assert event.changed == ["groups", "is_admin", "is_developer", "role"]
    assert (event.actor_kind, event.actor_user_id, event.actor_label) == (
        "user",
        user.pk,
        "new@acme.test",
    )


def test_signing_up_through_an_invitation_adds_the_member_with_an_event(as_admin, account, tokens):
    links, link_for = tokens
    invitation_create(actor=as_admin, email="new@acme.test", link_for=link_for)

    user, _membership = invitation_accept_by_signup(
        raw_token=links[-1], full_name="Nia", password="A-long-passphrase-9"
    )

    assert _events() == [
        ("users.user", "created", user.pk, ["groups", "is_admin", "is_developer", "role"])
    ]
    assert ChangeEvent.objects.get().data == _body(user, account)


def test_a_change_of_role_groups_flags_and_activity_is_one_event(
    as_admin, admin, account, member, sales_role
):
    support = RoleFactory(account=account, name="Support")
    team = GroupFactory(account=account, name="North")
    membership = Membership.objects.get(user=member, account=account)

    membership_update(
        actor=as_admin,
        membership=membership,
        role_id=support.pk,
        group_ids=[team.pk],
        is_developer=True,
        is_admin=False,  # unchanged: not named
        is_active=False,
    )

    assert _events() == [
        ("users.user", "updated", member.pk, ["groups", "is_active", "is_developer", "role"])
    ]
    event = ChangeEvent.objects.get()
    assert event.data == _body(member, account)
    assert (event.data["role"], event.data["is_active"]) == ("Support", False)
    assert (event.actor_kind, event.actor_user_id) == ("user", admin.pk)


def test_changing_nothing_writes_no_event(as_admin, account, member, sales_role):
    membership = Membership.objects.get(user=member, account=account)

    membership_update(actor=as_admin, membership=membership, role_id=sales_role.pk, is_active=True)
    membership_set_active(actor=as_admin, membership=membership, active=True)

    assert _events() == []


def test_deactivating_and_reactivating_write_an_event_each(as_admin, account, member):
    membership = Membership.objects.get(user=member, account=account)

    membership_set_active(actor=as_admin, membership=membership, active=False)
    membership_set_active(actor=as_admin, membership=membership, active=False)
    membership_set_active(actor=as_admin, membership=membership, active=True)

    assert _events() == [
        ("users.user", "updated", member.pk, ["is_active"]),
        ("users.user", "updated", member.pk, ["is_active"]),
    ]
    first, second = ChangeEvent.objects.order_by("pk")
    assert (first.data["is_active"], second.data["is_active"]) == (False, True)


def test_removing_a_member_writes_the_member_as_they_were(as_admin, account, member):
    before = _body(member, account)
    membership = Membership.objects.get(user=member, account=account)

    membership_remove(actor=as_admin, membership=membership)

    assert _events() == [("users.user", "deleted", member.pk, [])]
    assert ChangeEvent.objects.get().data == before


def test_an_api_keys_change_names_the_key(account, member):
    key, _raw = ApiKeyFactory(account=account)
    membership = Membership.objects.get(user=member, account=account)

    membership_update(actor=actor_for_api_key(api_key=key), membership=membership, is_admin=True)

    event = ChangeEvent.objects.get()
    assert (event.actor_kind, event.api_key_id, event.actor_user_id) == ("api_key", key.pk, None)
    assert event.changed == ["is_admin"]
    assert event.data["is_admin"] is True


def test_deleting_a_role_for_another_changes_each_of_its_members(
    as_admin, account, member, sales_role
):
    other = MembershipFactory(account=account, role=sales_role).user
    support = RoleFactory(account=account, name="Support")

    role_delete(actor=as_admin, role=sales_role, reassign_to_id=support.pk)

    assert sorted(_events()) == sorted(
        [
            ("users.user", "updated", member.pk, ["role"]),
            ("users.user", "updated", other.pk, ["role"]),
        ]
    )
    assert {e.data["role"] for e in ChangeEvent.objects.all()} == {"Support"}


def test_renaming_a_role_changes_each_of_its_members(as_admin, account, member, sales_role):
    role_update(actor=as_admin, role=sales_role, rights={"crm": "read"})
    assert _events() == []

    role_update(actor=as_admin, role=sales_role, name="Field sales")

    assert _events() == [("users.user", "updated", member.pk, ["role"])]
    assert ChangeEvent.objects.get().data == _body(member, account)


def test_deleting_a_group_for_another_changes_each_of_its_members(as_admin, account, member):
    north = GroupFactory(account=account, name="North")
    south = GroupFactory(account=account, name="South")
    Membership.objects.get(user=member, account=account).groups.set([north])

    group_delete(actor=as_admin, group=north, reassign_to_id=south.pk)

    assert _events() == [("users.user", "updated", member.pk, ["groups"])]


def test_a_refused_change_writes_no_event(as_admin, admin, account):
    with pytest.raises(LastAdmin):
        membership_remove(
            actor=as_admin, membership=Membership.objects.get(user=admin, account=account)
        )

    assert _events() == []


def _change(name, as_admin, account, member, sales_role, tokens):
    membership = Membership.objects.get(user=member, account=account)
    support = RoleFactory(account=account, name="Support")
    if name == "accept":
        links, link_for = tokens
        invitation_create(actor=as_admin, email="new@acme.test", link_for=link_for)
        invitation_accept(raw_token=links[-1], user=UserFactory(email="new@acme.test"))
    elif name == "update":
        membership_update(actor=as_admin, membership=membership, role_id=support.pk)
    elif name == "deactivate":
        membership_set_active(actor=as_admin, membership=membership, active=False)
    elif name == "remove":
        membership_remove(actor=as_admin, membership=membership)
    elif name == "role_delete":
        role_delete(actor=as_admin, role=sales_role, reassign_to_id=support.pk)
    elif name == "role_rename":
        role_update(actor=as_admin, role=sales_role, name="Field sales")
    elif name == "group_delete":
        north = GroupFactory(account=account, name="North")
        south = GroupFactory(account=account, name="South")
        membership.groups.set([north])
        group_delete(actor=as_admin, group=north, reassign_to_id=south.pk)


@pytest.mark.parametrize(
    "name",
    ["accept", "update", "deactivate", "remove", "role_delete", "role_rename", "group_delete"],
)
def test_each_event_rolls_back_with_its_change(name, as_admin, account, member, sales_role, tokens):
    members_before = list(
        Membership.objects.order_by("pk").values_list("pk", "role_id", "is_active")
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        _change(name, as_admin, account, member, sales_role, tokens)
        assert ChangeEvent.objects.filter(model="users.user").exists()
        raise RuntimeError("what came after failed")

    assert _events() == []
    assert (
        list(Membership.objects.order_by("pk").values_list("pk", "role_id", "is_active"))
        == members_before
    )


def test_a_members_event_is_what_the_users_api_then_answers(install, admin, account, as_admin):
    """The event's data is the body ``GET /api/v1/users`` gives for that user."""
    installation = install("users:read")
    newcomer = MembershipFactory(account=account, user=UserFactory(email="zed@acme.test")).user
    membership_update(
        actor=as_admin,
        membership=Membership.objects.get(user=newcomer, account=account),
        is_admin=True,
    )

    listed = api_client(key=issue_token(installation=installation, user=admin)).get(f"{API}/users")

    by_id = {row["id"]: row for row in listed.json()["results"]}
    assert ChangeEvent.objects.get().data == by_id[newcomer.pk]
