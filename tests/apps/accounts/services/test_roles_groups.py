"""Roles and groups by an account's admins: create, rename, rights, delete (refused while
in use, or with a replacement that takes over every use)."""

import pytest

from apps.accounts.errors import AccountError
from apps.accounts.models import AccountEvent, Group, Membership, Role
from apps.accounts.services import (
    group_create,
    group_delete,
    group_rename,
    role_create,
    role_delete,
    role_update,
)
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.installations.models import InstallationAccess, InstallationEvent
from apps.installations.services import installation_access_set
from tests.factories import GroupFactory, MembershipFactory, RoleFactory, make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def rows():
    return {
        "roles": list(Role.objects.order_by("pk").values_list()),
        "groups": list(Group.objects.order_by("pk").values_list()),
        "members": list(Membership.objects.order_by("pk").values_list("pk", "role_id")),
        "access": list(InstallationAccess.objects.order_by("pk").values_list()),
        "events": list(AccountEvent.objects.order_by("pk").values_list()),
    }


@pytest.fixture
def installed(account, admin, as_admin, sales_role):
    app = make_app(account=account, name="Invoicer")
    installation = make_installation(
        account=account, version=make_version(app=app, status="published"), by_user=admin
    )
    team = GroupFactory(account=account, name="North")
    installation_access_set(
        installation=installation, role_ids=[sales_role.pk], group_ids=[team.pk], actor=as_admin
    )
    return installation, team


def test_create_and_edit_rights_record_the_change(as_admin, account):
    role = role_create(actor=as_admin, name="Support", rights={"crm": "read", "fin": "none"})

    role_update(actor=as_admin, role=role, name="Helpdesk", rights={"crm": "full"})

    role.refresh_from_db()
    assert (role.name, role.rights) == ("Helpdesk", {"crm": "full"})
    created, changed = AccountEvent.objects.order_by("pk")
    assert (created.kind, created.target, created.detail) == (
        "role_created",
        "Support",
        {"rights": {"crm": "read"}},
    )
    assert changed.detail == {"name": ["Support", "Helpdesk"], "rights": {"crm": ["read", "full"]}}


def test_rights_change_the_members_rights_at_once(as_admin, member, sales_role, client_for):
    from tests.apps.api.helpers import api_client

    role_update(actor=as_admin, role=sales_role, rights={"crm": "read"})

    body = api_client(member).get("/api/v1/account").json()
    assert (body["rights"]["crm"], body["rights"]["task"]) == ("read", "none")


def test_a_role_in_use_is_not_deleted_and_the_refusal_says_by_what(
    as_admin, sales_role, member, installed
):
    before = rows()

    with pytest.raises(Conflict) as excinfo:
        role_delete(actor=as_admin, role=sales_role)

    assert excinfo.value.code == AccountError.ROLE_IN_USE
    assert excinfo.value.extra["uses"] == ["1 member", "the access of the app “Invoicer”"]
    assert rows() == before


def test_a_role_in_use_is_deleted_with_a_replacement(
    as_admin, account, sales_role, member, installed
):
    installation, _team = installed
    support = RoleFactory(account=account, name="Support")

    role_delete(actor=as_admin, role=sales_role, reassign_to_id=support.pk)

    assert not Role.objects.filter(pk=sales_role.pk).exists()
    assert Membership.objects.get(user=member).role == support
    assert InstallationAccess.objects.filter(installation=installation, role=support).exists()
    access_event = InstallationEvent.objects.filter(kind="access_changed").last()
    assert access_event.detail["after"]["roles"] == ["Support"]
    assert access_event.actor_label == "admin@acme.test"
    event = AccountEvent.objects.get(kind="role_deleted")
    assert event.detail["reassigned_to"] == "Support"


def test_an_unused_role_is_deleted(as_admin, account):
    role = RoleFactory(account=account, name="Unused")

    role_delete(actor=as_admin, role=role)

    assert not Role.objects.filter(pk=role.pk).exists()


def test_a_group_in_use_is_refused_then_moved(as_admin, account, member, installed):
    installation, team = installed
    Membership.objects.get(user=member).groups.add(team)
    south = GroupFactory(account=account, name="South")
    before = rows()

    with pytest.raises(Conflict) as excinfo:
        group_delete(actor=as_admin, group=team)
    assert excinfo.value.code == AccountError.GROUP_IN_USE
    assert rows() == before

    group_delete(actor=as_admin, group=team, reassign_to_id=south.pk)

    assert list(Membership.objects.get(user=member).groups.all()) == [south]
    assert InstallationAccess.objects.filter(installation=installation, group=south).exists()


def test_group_create_and_rename(as_admin):
    group = group_create(actor=as_admin, name="Team")

    group_rename(actor=as_admin, group=group, name="Team A")

    assert Group.objects.get().name == "Team A"
    assert list(AccountEvent.objects.order_by("pk").values_list("kind", flat=True)) == [
        "group_created",
        "group_renamed",
    ]


def test_a_taken_name_is_refused_by_field(as_admin, account, sales_role):
    with pytest.raises(ValidationFailed) as excinfo:
        role_update(actor=as_admin, role=RoleFactory(account=account), name="Sales")

    assert list(excinfo.value.fields) == ["name"]


def test_a_member_or_an_outsider_changes_nothing(as_member, as_outsider, sales_role, account):
    group = GroupFactory(account=account)
    before = rows()

    with pytest.raises(PermissionDenied):
        role_update(actor=as_member, role=sales_role, rights={"crm": "full"})
    with pytest.raises(PermissionDenied):
        role_create(actor=as_member, name="X", rights={})
    with pytest.raises(Exception) as hidden:
        group_delete(actor=as_outsider, group=group)

    assert hidden.value.status_code == 404
    assert rows() == before


def test_an_api_key_may_manage_roles(as_key):
    role = role_create(actor=as_key, name="Bots", rights={"task": "full"})

    assert AccountEvent.objects.get().actor_label.startswith("API key")
    assert role.rights == {"task": "full"}


def test_deactivated_members_are_still_counted_as_users_of_a_role(as_admin, account):
    role = RoleFactory(account=account, name="Old")
    MembershipFactory(account=account, role=role, is_active=False)

    with pytest.raises(Conflict):
        role_delete(actor=as_admin, role=role)
