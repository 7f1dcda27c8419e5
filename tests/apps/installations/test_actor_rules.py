"""Who may act on an installation: ``installation_can_manage`` and ``settings_refusal``,
the one rule for whose settings a caller reaches (API, console and service)."""

import pytest

from apps.accounts.actors import (
    actor_for_api_key,
    actor_for_app_token,
    actor_for_user,
)
from apps.installations.policies import (
    SettingsRefusal,
    installation_can_manage,
    settings_refusal,
)
from tests.factories import ApiKeyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def member(**flags):
    m = MembershipFactory(**flags)
    return actor_for_user(user=m.user, membership=m)


def never():
    raise AssertionError("may_use asked when the answer did not need it")


def refusal(actor, *, account_id=None, level="user", target=None, may_use=never):
    return settings_refusal(
        actor,
        account_id=account_id if account_id is not None else actor.account_id,
        level=level,
        target_user_id=target,
        may_use=may_use,
    )


class TestManage:
    def test_admins_and_api_keys_of_the_account(self, account):
        admin = member(account=account, is_admin=True)
        key = actor_for_api_key(api_key=ApiKeyFactory(account=account)[0])

        assert installation_can_manage(admin, account_id=account.pk) is True
        assert installation_can_manage(key, account_id=account.pk) is True

    def test_not_members_nor_other_accounts_nor_app_tokens(self, account, other_account):
        admin = member(account=account, is_admin=True)

        class Installed:
            pass

        Installed.account = account
        token = actor_for_app_token(
            user=admin.user, account=account, membership=admin.membership, installation=Installed
        )

        assert installation_can_manage(member(account=account), account_id=account.pk) is False
        assert installation_can_manage(admin, account_id=other_account.pk) is False
        assert installation_can_manage(token, account_id=account.pk) is False


class TestSettingsReach:
    def test_another_accounts_installation_is_not_found(self, account, other_account):
        actor = member(account=account, is_admin=True)

        assert refusal(actor, account_id=other_account.pk) is SettingsRefusal.OUTSIDER

    def test_admins_and_api_keys_reach_app_settings_and_anyones(self, account):
        admin = member(account=account, is_admin=True)
        key = actor_for_api_key(api_key=ApiKeyFactory(account=account)[0])

        for actor in (admin, key):
            assert refusal(actor, level="app") is None
            assert refusal(actor, target=12345) is None

    def test_a_member_reaches_only_their_own_while_they_may_use_the_app(self, account):
        actor = member(account=account)

        assert refusal(actor, level="app") is SettingsRefusal.ADMIN_ONLY
        assert refusal(actor, target=actor.user_id + 1) is SettingsRefusal.NOT_OWN
        assert refusal(actor, target=actor.user_id, may_use=lambda: True) is None
        assert (
            refusal(actor, target=actor.user_id, may_use=lambda: False)
            is SettingsRefusal.MAY_NOT_USE
        )
