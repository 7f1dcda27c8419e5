"""``installation_get_for_use``: an installed app a member opens for their own use (their
settings, its page): not found across tenants or while uninstalling, forbidden to a member
without access."""

import pytest

from apps.accounts.actors import ANONYMOUS, actor_for_api_key, actor_for_user
from apps.accounts.models import Membership
from apps.core.errors import NotFound, PermissionDenied
from apps.installations.models import Installation
from apps.installations.selectors import installation_get_for_use, installation_list_usable_for
from apps.installations.services import installation_access_set
from tests.factories import ApiKeyFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db


def acting(user, account):
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


@pytest.fixture
def installation(account, admin):
    app = make_app(account=account, name="Invoicer")
    version = make_version(app=app, status="published")
    return make_installation(account=account, version=version, by_user=admin)


def test_admins_api_keys_and_members_with_access_open_it(
    account, admin, member, sales_role, installation
):
    key, _raw = ApiKeyFactory(account=account)
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=acting(admin, account),
    )

    for actor in (acting(admin, account), actor_for_api_key(api_key=key), acting(member, account)):
        got = installation_get_for_use(actor=actor, installation_id=installation.pk)
        assert got == installation


def test_a_member_without_access_is_forbidden_with_whom_to_ask(account, member, installation):
    with pytest.raises(PermissionDenied, match=r"You have no access to “Invoicer”\. Ask an admin"):
        installation_get_for_use(actor=acting(member, account), installation_id=installation.pk)


def test_other_accounts_unknown_ids_and_uninstalling_ones_are_not_found(
    account, admin, outsider, other_account, installation
):
    for actor, installation_id in (
        (acting(outsider, other_account), installation.pk),
        (acting(admin, account), "nonsense"),
        (actor_for_user(user=admin), installation.pk),
        (ANONYMOUS, installation.pk),
    ):
        with pytest.raises(NotFound):
            installation_get_for_use(actor=actor, installation_id=installation_id)

    Installation.objects.filter(pk=installation.pk).update(status="uninstalling")
    with pytest.raises(NotFound, match="being uninstalled"):
        installation_get_for_use(actor=acting(admin, account), installation_id=installation.pk)


def test_my_apps_lists_what_the_member_may_use_now(
    account, other_account, admin, member, sales_role, installation
):
    assert installation_list_usable_for(actor=acting(admin, account)) == [installation]
    assert installation_list_usable_for(actor=acting(member, account)) == []
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=acting(admin, account),
    )
    assert installation_list_usable_for(actor=acting(member, account)) == [installation]
    Installation.objects.filter(pk=installation.pk).update(status="uninstalling")
    assert installation_list_usable_for(actor=acting(admin, account)) == []
    assert installation_list_usable_for(actor=ANONYMOUS) == []
