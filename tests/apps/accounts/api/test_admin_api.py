"""Account administration through the API: the refusals automation meets (the last
admin, a role in use, an invitation twice) and what a pipeline does end to end."""

import pytest

from apps.accounts.models import AccountEvent, Membership, Role
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_client(account):
    _key, raw = ApiKeyFactory(account=account)
    return api_client(key=raw)


def test_the_last_admin_cannot_be_demoted_or_removed(key_client, admin):
    demote = key_client.patch(f"{API}/members/{admin.pk}", {"is_admin": False}, format="json")
    remove = key_client.delete(f"{API}/members/{admin.pk}")

    assert_error(demote, 409, "last_admin")
    assert_error(remove, 409, "last_admin")
    assert Membership.objects.get(user=admin).is_admin is True


def test_a_role_in_use_needs_a_replacement(key_client, account, member, sales_role):
    support = key_client.post(
        f"{API}/roles", {"name": "Support", "rights": {"task": "full"}}, format="json"
    ).json()

    refused = key_client.delete(f"{API}/roles/{sales_role.pk}")
    bad = key_client.delete(f"{API}/roles/{sales_role.pk}?reassign_to=x")
    done = key_client.delete(f"{API}/roles/{sales_role.pk}?reassign_to={support['id']}")

    error = assert_error(refused, 409, "role_in_use")
    assert "1 member" in error["message"]
    assert_error(bad, 400, "invalid", fields={"reassign_to"})
    assert done.status_code == 204
    assert Membership.objects.get(user=member).role_id == support["id"]
    assert not Role.objects.filter(pk=sales_role.pk).exists()


def test_a_pipeline_invites_sets_roles_and_groups_and_reads_the_history(
    key_client, account, member
):
    group = key_client.post(f"{API}/groups", {"name": "North"}, format="json").json()
    role = key_client.post(
        f"{API}/roles", {"name": "Support", "rights": {"crm": "read"}}, format="json"
    ).json()

    invited = key_client.post(
        f"{API}/invitations",
        {"email": "ana@acme.test", "role": role["id"], "groups": [group["id"]]},
        format="json",
    )
    again = key_client.post(f"{API}/invitations", {"email": "ANA@acme.test"}, format="json")
    changed = key_client.patch(
        f"{API}/members/{member.pk}",
        {"role": role["id"], "groups": [group["id"]], "is_active": False},
        format="json",
    )
    history = key_client.get(f"{API}/account/history").json()["results"]

    assert invited.status_code == 201
    assert (invited.json()["role"]["name"], invited.json()["status"]) == ("Support", "pending")
    assert_error(again, 409, "already_invited", fields={"email"})
    body = changed.json()
    assert (body["role"]["name"], body["groups"][0]["name"], body["is_active"]) == (
        "Support",
        "North",
        False,
    )
    assert [row["kind"] for row in history] == [
        "member_deactivated",
        "member_changed",
        "member_invited",
        "role_created",
        "group_created",
    ]
    assert all(row["actor"].startswith("API key mpk_") for row in history)
    assert AccountEvent.objects.count() == 5


def test_a_bad_role_id_is_refused_by_field_and_nothing_changes(key_client, member, other_account):
    from tests.factories import RoleFactory

    foreign = RoleFactory(account=other_account)

    response = key_client.patch(f"{API}/members/{member.pk}", {"role": foreign.pk}, format="json")

    assert_error(response, 400, "invalid", fields={"role"})
    assert Membership.objects.get(user=member).role.name == "Sales"
