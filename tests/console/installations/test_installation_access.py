"""Who may use an installed app: roles and groups, none meaning admins only."""

import pytest

from apps.installations.models import Installation, InstallationAccess
from tests.console.conftest import login_url
from tests.console.installations.conftest import snapshot, url
from tests.factories import GroupFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_group(account):
    return GroupFactory(account=account, name="Support")


class TestAccess:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, installation, sales_role, method):
        before = snapshot(installation)
        target = url("installation-access", installation)

        response = getattr(client_for(None), method)(target, {"roles": [sales_role.pk]})

        assert response.status_code == 302
        assert response.url.startswith(login_url(target))
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, installation, sales_role, method):
        before = snapshot(installation)

        response = getattr(client_for(outsider), method)(
            url("installation-access", installation), {"roles": [sales_role.pk]}
        )

        assert response.status_code == 404
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_admin_gets_403(
        self, client_for, member, installation, sales_role, method
    ):
        before = snapshot(installation)

        response = getattr(client_for(member), method)(
            url("installation-access", installation), {"roles": [sales_role.pk]}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_the_form_explains_admins_only(client_for, admin, installation, sales_role):
    html = client_for(admin).get(url("installation-access", installation)).content.decode()

    assert "Nothing selected means admins only." in html
    assert "Every member of the account" in html
    assert f'value="{sales_role.pk}"' in html


def test_an_admin_chooses_roles_and_groups(
    client_for, admin, installation, sales_role, support_group
):
    response = client_for(admin).post(
        url("installation-access", installation),
        {"roles": [sales_role.pk], "groups": [support_group.pk]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url("installation-detail", installation)
    assert sorted(
        InstallationAccess.objects.filter(installation=installation).values_list(
            "role_id", "group_id"
        ),
        key=str,
    ) == sorted([(sales_role.pk, None), (None, support_group.pk)], key=str)
    html = response.content.decode()
    assert "can now be used by Sales, Support and admins." in html
    assert "Role: Sales" in html


def test_none_selected_is_admins_only(client_for, admin, installation, sales_role):
    InstallationAccess.objects.create(installation=installation, role=sales_role)

    response = client_for(admin).post(url("installation-access", installation), {}, follow=True)

    assert not InstallationAccess.objects.filter(installation=installation).exists()
    assert "can now be used by admins only." in response.content.decode()


def test_a_role_of_another_account_is_refused_by_field(
    client_for, admin, installation, other_account
):
    foreign = RoleFactory(account=other_account, name="Globex role")
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-access", installation), {"roles": [foreign.pk]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["roles"]
    assert snapshot(installation) == before


def test_while_uninstalling_nothing_changes(client_for, admin, installation, sales_role):
    Installation.objects.filter(pk=installation.pk).update(status="uninstalling")
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-access", installation), {"roles": [sales_role.pk]}
    )

    assert response.status_code == 302
    assert response.url == url("installation-detail", installation)
    assert snapshot(installation) == before
