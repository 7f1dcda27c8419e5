"""Reads for tenancy: scoped to the acting user, and cheap."""

import pytest

from apps.accounts.selectors import (
    api_key_get,
    api_key_list_for_account,
    membership_default_for_user,
    membership_get,
    membership_list_for_user,
)
from apps.accounts.services import api_key_revoke
from apps.core.errors import NotFound
from tests.factories import AccountFactory, ApiKeyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_membership_loads_with_account_and_rights_in_one_query(
    account, member, sales_role, django_assert_num_queries
):
    with django_assert_num_queries(1):
        membership = membership_get(user=member, account_id=account.pk)
        assert membership.account.slug == "acme"
        assert membership.role.rights == {"crm": "full", "task": "read"}


def test_membership_get_by_slug(account, admin):
    assert membership_get(user=admin, account_slug="acme").account == account


def test_membership_get_for_an_outsider_is_not_found(account, outsider):
    with pytest.raises(NotFound):
        membership_get(user=outsider, account_id=account.pk)
    with pytest.raises(NotFound):
        membership_get(user=outsider, account_slug="acme")


def test_memberships_of_inactive_accounts_are_hidden(account, admin):
    account.is_active = False
    account.save()

    assert list(membership_list_for_user(user=admin)) == []
    assert membership_default_for_user(user=admin) is None
    with pytest.raises(NotFound):
        membership_get(user=admin, account_id=account.pk)


def test_memberships_are_ordered_by_account_name():
    user = UserFactory()
    MembershipFactory(user=user, account=AccountFactory(slug="zed", name="Zed"))
    MembershipFactory(user=user, account=AccountFactory(slug="alpha", name="Alpha"))

    assert [m.account.slug for m in membership_list_for_user(user=user)] == ["alpha", "zed"]
    assert membership_default_for_user(user=user).account.slug == "alpha"


def test_api_keys_are_scoped_to_the_account(account, other_account):
    mine, _ = ApiKeyFactory(account=account)
    revoked, _ = ApiKeyFactory(account=account)
    api_key_revoke(key=revoked, revoked_by=None)
    theirs, _ = ApiKeyFactory(account=other_account)

    assert set(api_key_list_for_account(account=account)) == {mine, revoked}
    assert list(api_key_list_for_account(account=account, include_revoked=False)) == [mine]
    assert api_key_get(account=account, key_id=mine.pk) == mine
    with pytest.raises(NotFound):
        api_key_get(account=account, key_id=theirs.pk)
