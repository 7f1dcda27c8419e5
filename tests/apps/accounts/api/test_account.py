"""GET /api/v1/account: the account a request acts for, and the caller's rights in it."""

import pytest

from apps.accounts.models import ModuleCode
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories import MembershipFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

NONE_EVERYWHERE = dict.fromkeys(sorted(ModuleCode.values), "none")


def test_anonymous_is_not_authenticated():
    response = api_client().get(f"{API}/account")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_member_sees_the_account_and_the_role_rights(member, account):
    response = api_client(member).get(f"{API}/account")

    assert response.status_code == 200
    assert response.json() == {
        "account": {
            "id": account.pk,
            "domain": "acme",
            "name": "Acme Corp",
            "language": "en",
            "is_active": True,
        },
        "via": "session",
        "is_admin": False,
        "is_developer": False,
        "rights": NONE_EVERYWHERE | {"crm": "full", "task": "read"},
    }


def test_admin_has_full_rights_everywhere(admin):
    body = api_client(admin).get(f"{API}/account").json()

    assert body["is_admin"] is True
    assert body["rights"] == dict.fromkeys(sorted(ModuleCode.values), "full")


def test_developer_without_role_has_no_rights(developer):
    body = api_client(developer).get(f"{API}/account").json()

    assert body["is_developer"] is True
    assert body["is_admin"] is False
    assert body["rights"] == NONE_EVERYWHERE


def test_outsider_sees_only_their_own_account(outsider, other_account):
    body = api_client(outsider).get(f"{API}/account").json()

    assert body["account"]["domain"] == "globex"


@pytest.mark.parametrize("header", ["globex", "GLOBEX", " globex "])
def test_account_header_selects_another_of_the_users_accounts(member, other_account, header):
    role = RoleFactory(account=other_account, name="Finance", rights={"fin": "read"})
    MembershipFactory(user=member, account=other_account, role=role)

    body = api_client(member).get(f"{API}/account", headers={"X-Account": header}).json()

    assert body["account"]["domain"] == "globex"
    assert body["rights"] == NONE_EVERYWHERE | {"fin": "read"}


def test_account_header_of_a_foreign_account_is_not_found(member, other_account):
    response = api_client(member).get(f"{API}/account", headers={"X-Account": "globex"})

    assert_error(response, 404, "not_found")


def test_account_header_of_an_unknown_account_is_not_found(member):
    response = api_client(member).get(f"{API}/account", headers={"X-Account": "nowhere"})

    assert_error(response, 404, "not_found")


def test_user_without_any_account_is_not_found(db):
    response = api_client(UserFactory()).get(f"{API}/account")

    assert_error(response, 404, "not_found")


def test_inactive_account_is_not_found_for_its_members(admin, account):
    account.is_active = False
    account.save()

    assert_error(api_client(admin).get(f"{API}/account"), 404, "not_found")
    assert_error(
        api_client(admin).get(f"{API}/account", headers={"X-Account": "acme"}), 404, "not_found"
    )
