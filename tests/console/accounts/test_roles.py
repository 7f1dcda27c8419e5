"""Roles & groups page: the rights matrix and groups with member counts (read-only)."""

import pytest
from django.urls import reverse

from tests.console.conftest import login_url
from tests.factories import GroupFactory, MembershipFactory, RoleFactory

URL = reverse("console:accounts:role-list")


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for):
        response = client_for(None).get(URL)

        assert response.status_code == 302
        assert response.url == login_url(URL)

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_member_without_admin_right_is_refused(self, client_for, request, persona):
        assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 403

    def test_outsider_sees_only_their_own_roles_and_groups(
        self, client_for, outsider, other_account, sales_role, account
    ):
        RoleFactory(account=other_account, name="Globex ops")
        GroupFactory(account=account, name="Acme night shift")

        response = client_for(outsider).get(URL)

        assert response.status_code == 200
        assert [role.name for role in response.context["roles"]] == ["Globex ops"]
        html = response.content.decode()
        assert "Sales" not in html
        assert "Acme night shift" not in html


def test_shows_the_rights_matrix_and_group_member_counts(
    client_for, admin, member, account, sales_role, django_assert_max_num_queries
):
    RoleFactory(account=account, name="Auditor", rights={"fin": "read"})
    support = GroupFactory(account=account, name="Support")
    GroupFactory(account=account, name="Empty group")
    member.memberships.get().groups.add(support)
    MembershipFactory(account=account, groups=[support])

    client = client_for(admin)

    # session, user, current membership, roles, switcher's memberships, groups with counts.
    with django_assert_max_num_queries(6):
        response = client.get(URL)

    assert response.status_code == 200
    assert [role.name for role in response.context["roles"]] == ["Auditor", "Sales"]
    matrix = {row["module"]: row["levels"] for row in response.context["matrix"]}
    assert matrix["crm"] == ["none", "full"]
    assert matrix["fin"] == ["read", "none"]
    assert matrix["task"] == ["none", "read"]
    assert len(matrix) == 13
    counts = {group.name: group.member_count for group in response.context["groups"]}
    assert counts == {"Empty group": 0, "Support": 2}
    html = response.content.decode()
    assert "Read-only for now" not in html
    role = response.context["roles"][0]
    assert f'<a href="/accounts/roles/{role.pk}/">{role.name}</a></th>' in html


def test_the_admin_link_is_for_staff_only(client_for, admin):
    assert 'href="/admin/"' not in client_for(admin).get(URL).content.decode()


def test_empty_states(client_for, admin):
    html = client_for(admin).get(URL).content.decode()

    assert "This account has no roles yet." in html
    assert "This account has no groups yet." in html
