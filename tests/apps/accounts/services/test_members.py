"""Members: role, groups, rights, deactivation and removal; the account keeps an admin;
every change is in the account's history; app tokens stop working at once."""

import pytest

from apps.accounts.errors import AccountError, LastAdmin
from apps.accounts.models import AccountEvent, Membership
from apps.accounts.services import membership_remove, membership_set_active, membership_update
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.apps.accounts.services.conftest import acting
from tests.factories import GroupFactory, MembershipFactory, RoleFactory, make_app, make_version
from tests.factories.installations import issue_token, make_installation
from tests.factories.oauth import api_get

pytestmark = pytest.mark.django_db


def rows():
    return (
        list(Membership.objects.order_by("pk").values_list()),
        list(AccountEvent.objects.order_by("pk").values_list()),
    )


def test_admin_changes_role_groups_and_rights_and_history_says_what(
    as_admin, account, member, sales_role
):
    support = RoleFactory(account=account, name="Support")
    team = GroupFactory(account=account, name="North")
    membership = Membership.objects.get(user=member)

    membership_update(
        actor=as_admin,
        membership=membership,
        role_id=support.pk,
        group_ids=[team.pk],
        is_developer=True,
    )

    membership.refresh_from_db()
    assert (membership.role, list(membership.groups.all()), membership.is_developer) == (
        support,
        [team],
        True,
    )
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.actor_label) == (
        "member_changed",
        "member@acme.test",
        "admin@acme.test",
    )
    assert event.detail == {
        "role": {"before": "Sales", "after": "Support"},
        "groups": {"before": [], "after": ["North"]},
        "developer": {"before": False, "after": True},
    }


def test_an_api_key_may_change_a_member(as_key, member):
    membership_update(actor=as_key, membership=Membership.objects.get(user=member), is_admin=True)

    assert Membership.objects.get(user=member).is_admin is True
    assert AccountEvent.objects.get().actor_label.startswith("API key mpk_")


def test_nothing_changed_records_nothing(as_admin, member, sales_role):
    membership_update(
        actor=as_admin, membership=Membership.objects.get(user=member), role_id=sales_role.pk
    )

    assert not AccountEvent.objects.exists()


def test_a_member_may_not_change_anyone(as_member, admin):
    before = rows()

    with pytest.raises(PermissionDenied):
        membership_update(
            actor=as_member, membership=Membership.objects.get(user=admin), is_admin=False
        )

    assert rows() == before


def test_another_accounts_member_is_not_found(as_outsider, member):
    before = rows()

    with pytest.raises(NotFound):
        membership_update(
            actor=as_outsider, membership=Membership.objects.get(user=member), is_admin=True
        )

    assert rows() == before


def test_role_and_groups_of_another_account_are_refused_by_field(as_admin, member, other_account):
    membership = Membership.objects.get(user=member)
    before = rows()

    with pytest.raises(ValidationFailed) as role_error:
        membership_update(
            actor=as_admin, membership=membership, role_id=RoleFactory(account=other_account).pk
        )
    with pytest.raises(ValidationFailed) as group_error:
        membership_update(
            actor=as_admin,
            membership=membership,
            group_ids=[GroupFactory(account=other_account).pk],
        )

    assert list(role_error.value.fields) == ["role"]
    assert list(group_error.value.fields) == ["groups"]
    assert rows() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda actor, m: membership_update(actor=actor, membership=m, is_admin=False),
        lambda actor, m: membership_set_active(actor=actor, membership=m, active=False),
        lambda actor, m: membership_remove(actor=actor, membership=m),
    ],
    ids=["demote", "deactivate", "remove"],
)
def test_the_last_admin_cannot_demote_deactivate_or_remove_themselves(as_admin, admin, change):
    before = rows()

    with pytest.raises(LastAdmin) as excinfo:
        change(as_admin, Membership.objects.get(user=admin))

    assert excinfo.value.code == AccountError.LAST_ADMIN
    assert excinfo.value.status_code == 409
    assert "only admin" in excinfo.value.message
    assert rows() == before


def test_with_a_second_admin_the_first_may_step_down(as_admin, admin, account):
    MembershipFactory(account=account, is_admin=True)

    membership_update(actor=as_admin, membership=Membership.objects.get(user=admin), is_admin=False)

    assert Membership.objects.get(user=admin).is_admin is False


def test_a_deactivated_admin_does_not_count(as_admin, admin, account):
    MembershipFactory(account=account, is_admin=True, is_active=False)

    with pytest.raises(LastAdmin):
        membership_remove(actor=as_admin, membership=Membership.objects.get(user=admin))


@pytest.fixture
def member_token(account, admin, member, sales_role):
    """An app the member's role may use, and the member's access token for it."""
    from apps.installations.services import installation_access_set

    app = make_app(account=account, name="Notes")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "user.me", "level": "read", "reason": "Greets you."}],
        webhooks=[],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=acting(admin, account),
    )
    token = issue_token(installation=installation, user=member)
    assert api_get("/api/v1/users/me", token).status_code == 200
    return token


def test_deactivating_stops_the_members_tokens_at_once_and_reactivating_restores(
    as_admin, member, member_token
):
    membership = Membership.objects.get(user=member)

    membership_set_active(actor=as_admin, membership=membership, active=False)

    assert api_get("/api/v1/users/me", member_token).status_code == 401
    assert AccountEvent.objects.get().kind == "member_deactivated"
    membership_set_active(actor=as_admin, membership=membership, active=False)  # idempotent
    assert AccountEvent.objects.count() == 1

    membership_set_active(actor=as_admin, membership=membership, active=True)

    assert api_get("/api/v1/users/me", member_token).status_code == 200


def test_removing_stops_the_members_tokens_at_once(as_admin, member, member_token):
    membership_remove(actor=as_admin, membership=Membership.objects.get(user=member))

    assert api_get("/api/v1/users/me", member_token).status_code == 401
    assert not Membership.objects.filter(user=member).exists()
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.detail["role"]) == (
        "member_removed",
        "member@acme.test",
        "Sales",
    )


def test_a_deactivated_member_cannot_work_in_the_account(as_admin, member, client_for):
    membership_set_active(
        actor=as_admin, membership=Membership.objects.get(user=member), active=False
    )

    response = client_for(member).get("/apps/")

    assert response.status_code == 403
