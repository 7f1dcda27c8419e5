"""Who may call each account administration endpoint (members, invitations, roles,
groups, the account's history): one cell per persona and endpoint.

The account's admins (session) and its API keys may; a member without the admin right
gets 403; another account's admin or key works in its own account, where ``account``'s
objects are 404; platform moderators and staff belong to no account (404). Every denial
leaves every row of people, roles, groups, access and history as it was; allowed cells
check the effect on the rows.
"""

import pytest
from django.core import mail

from apps.accounts.actors import actor_for_user
from apps.accounts.models import AccountEvent, Group, Invitation, Membership, Role
from apps.accounts.services import invitation_create
from apps.installations.models import InstallationAccess
from tests.apps.accounts.api.test_access_matrix import ENDPOINTS as KEY_ENDPOINTS
from tests.apps.api.access_cells import (
    DENIED,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    PERSONAS,
    Endpoint,
    cells,
    ok,
    persona_client,
    url_names,
)
from tests.apps.catalog.api.helpers import account_key, other_developer, other_key
from tests.factories import GroupFactory, RoleFactory

__all__ = ["account_key", "other_developer", "other_key"]  # fixtures

pytestmark = pytest.mark.django_db

NO_ACCOUNT = {"moderator": NOT_FOUND, "staff": NOT_FOUND}


def rows() -> dict:
    return {
        "members": list(
            Membership.objects.order_by("pk").values_list(
                "pk", "role_id", "is_admin", "is_developer", "is_active"
            )
        ),
        "groups_of_members": list(Membership.groups.through.objects.order_by("pk").values_list()),
        "invitations": list(Invitation.objects.order_by("pk").values_list()),
        "roles": list(Role.objects.order_by("pk").values_list()),
        "groups": list(Group.objects.order_by("pk").values_list()),
        "access": list(InstallationAccess.objects.order_by("pk").values_list()),
        "events": list(AccountEvent.objects.order_by("pk").values_list()),
    }


def check_denial(cell, response, objects, before):
    """A refusal: its status and code, and no row changed."""
    from tests.apps.api.helpers import assert_error

    assert_error(response, cell.status, cell.code)
    assert rows() == before


def listed(slug: str, model, field: str = "id"):
    def effect(objects, response):
        ids = sorted(row[field] for row in response.json()["results"])
        if model is Membership:
            expected = Membership.objects.filter(account__slug=slug).values_list(
                "user_id", flat=True
            )
        else:
            expected = model.objects.filter(account__slug=slug).values_list("pk", flat=True)
        assert ids == sorted(expected)

    return effect


def shows(key: str, field: str = "id", attr: str = "pk"):
    def effect(objects, response):
        assert response.json()[field] == getattr(objects[key], attr)

    return effect


def admin_only(allowed_effect, outsider_effect=None, status=200, **overrides):
    """The row of an endpoint for account admins and API keys: ``allowed_effect`` for
    acme's admin and key; another account's admin and key get ``outsider_effect`` (their
    own account) or 404."""
    other = ok(outsider_effect, status) if outsider_effect is not None else NOT_FOUND
    return cells(
        DENIED,
        anonymous=NOT_AUTHENTICATED,
        admin=ok(allowed_effect, status),
        api_key=ok(allowed_effect, status),
        outsider=other,
        other_api_key=other,
        **NO_ACCOUNT,
        **overrides,
    )


def member_changed(objects, response):
    membership = Membership.objects.get(user=objects["member"])
    assert membership.is_developer is True
    assert response.json()["is_developer"] is True
    assert AccountEvent.objects.filter(kind="member_changed", target="member@acme.test").exists()


def member_removed(objects, response):
    assert not Membership.objects.filter(user=objects["member"]).exists()
    assert AccountEvent.objects.filter(kind="member_removed").exists()


def invited(slug):
    def effect(objects, response):
        invitation = Invitation.objects.get(pk=response.json()["id"])
        assert (invitation.account.slug, invitation.email, invitation.status) == (
            slug,
            "new@person.test",
            "pending",
        )

    return effect


def resent(objects, response):
    assert Invitation.objects.get(pk=objects["invitation"].pk).send_count == 2
    assert response.json()["send_count"] == 2


def revoked(objects, response):
    assert Invitation.objects.get(pk=objects["invitation"].pk).status == "revoked"


def role_made(slug):
    def effect(objects, response):
        role = Role.objects.get(pk=response.json()["id"])
        assert (role.account.slug, role.name, role.rights) == (slug, "Support", {"crm": "read"})
        assert response.json()["rights"]["crm"] == "read"

    return effect


def role_changed(objects, response):
    assert Role.objects.get(pk=objects["role"].pk).rights == {"crm": "read"}


def gone(key, model):
    def effect(objects, response):
        assert not model.objects.filter(pk=objects[key].pk).exists()

    return effect


def group_made(slug):
    def effect(objects, response):
        group = Group.objects.get(pk=response.json()["id"])
        assert (group.account.slug, group.name) == (slug, "South")

    return effect


def group_renamed(objects, response):
    assert Group.objects.get(pk=objects["group"].pk).name == "North-east"


def history_of(slug):
    def effect(objects, response):
        kinds = [row["kind"] for row in response.json()["results"]]
        expected = AccountEvent.objects.filter(account__slug=slug).values_list("kind", flat=True)
        assert kinds == list(expected)

    return effect


ENDPOINTS = [
    Endpoint(
        "member-list",
        "get",
        "/members",
        admin_only(listed("acme", Membership), listed("globex", Membership)),
    ),
    Endpoint("member-detail", "get", "/members/{member}", admin_only(shows("member"))),
    Endpoint(
        "member-detail",
        "patch",
        "/members/{member}",
        admin_only(member_changed),
        data={"is_developer": True},
    ),
    Endpoint(
        "member-detail",
        "delete",
        "/members/{member}",
        admin_only(member_removed, status=204),
    ),
    Endpoint(
        "invitation-list",
        "get",
        "/invitations",
        admin_only(listed("acme", Invitation), listed("globex", Invitation)),
    ),
    Endpoint(
        "invitation-list",
        "post",
        "/invitations",
        admin_only(invited("acme"), invited("globex"), status=201),
        data={"email": "new@person.test"},
    ),
    Endpoint(
        "invitation-detail", "get", "/invitations/{invitation}", admin_only(shows("invitation"))
    ),
    Endpoint("invitation-resend", "post", "/invitations/{invitation}/resend", admin_only(resent)),
    Endpoint("invitation-revoke", "post", "/invitations/{invitation}/revoke", admin_only(revoked)),
    Endpoint(
        "role-list", "get", "/roles", admin_only(listed("acme", Role), listed("globex", Role))
    ),
    Endpoint(
        "role-list",
        "post",
        "/roles",
        admin_only(role_made("acme"), role_made("globex"), status=201),
        data={"name": "Support", "rights": {"crm": "read"}},
    ),
    Endpoint("role-detail", "get", "/roles/{role}", admin_only(shows("role"))),
    Endpoint(
        "role-detail",
        "patch",
        "/roles/{role}",
        admin_only(role_changed),
        data={"rights": {"crm": "read"}},
    ),
    Endpoint(
        "role-detail",
        "delete",
        "/roles/{spare_role}",
        admin_only(gone("spare_role", Role), status=204),
    ),
    Endpoint(
        "group-list", "get", "/groups", admin_only(listed("acme", Group), listed("globex", Group))
    ),
    Endpoint(
        "group-list",
        "post",
        "/groups",
        admin_only(group_made("acme"), group_made("globex"), status=201),
        data={"name": "South"},
    ),
    Endpoint("group-detail", "get", "/groups/{group}", admin_only(shows("group"))),
    Endpoint(
        "group-detail",
        "patch",
        "/groups/{group}",
        admin_only(group_renamed),
        data={"name": "North-east"},
    ),
    Endpoint(
        "group-detail", "delete", "/groups/{group}", admin_only(gone("group", Group), status=204)
    ),
    Endpoint(
        "account_event-list",
        "get",
        "/account/history",
        admin_only(history_of("acme"), history_of("globex")),
    ),
]
CELLS = [
    pytest.param(endpoint, persona, id=f"{endpoint}-{persona}")
    for endpoint in ENDPOINTS
    for persona in PERSONAS
]


@pytest.fixture
def objects(account, other_account, admin, member, developer, outsider, sales_role):
    """Acme's member (Sales role), a role and a group nothing uses, an open invitation;
    a role, a group and an invitation of globex, so its lists are not empty."""
    as_admin = actor_for_user(user=admin, membership=Membership.objects.get(user=admin))
    as_outsider = actor_for_user(user=outsider, membership=Membership.objects.get(user=outsider))
    invitation = invitation_create(
        actor=as_admin, email="invited@person.test", link_for=lambda token: token
    )
    invitation_create(actor=as_outsider, email="other@person.test", link_for=lambda token: token)
    RoleFactory(account=other_account, name="Globex role")
    GroupFactory(account=other_account, name="Globex group")
    return {
        "member": member,
        "role": sales_role,
        "spare_role": RoleFactory(account=account, name="Spare"),
        "group": GroupFactory(account=account, name="North"),
        "invitation": invitation,
    }


@pytest.mark.parametrize(("endpoint", "persona"), CELLS)
def test_access(request, objects, endpoint, persona):
    client = persona_client(request, persona)
    before = rows()
    mail.outbox.clear()

    response = endpoint.call(client, objects)

    cell = endpoint.cells[persona]
    if cell.code is not None:
        check_denial(cell, response, objects, before)
    else:
        assert response.status_code == cell.status, response.content
        cell.effect(objects, response)


def test_every_accounts_route_is_in_a_matrix():
    assert url_names("accounts") == {e.name for e in [*KEY_ENDPOINTS, *ENDPOINTS]}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_endpoint_names_every_persona(endpoint):
    assert list(endpoint.cells) == PERSONAS
