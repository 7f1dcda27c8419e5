import pytest

from apps.accounts.actors import actor_for_api_key, actor_for_user
from apps.accounts.models import Membership
from tests.factories import ApiKeyFactory


def acting(user, account):
    """``user`` acting in ``account``."""
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


@pytest.fixture
def as_admin(admin, account):
    return acting(admin, account)


@pytest.fixture
def as_member(member, account):
    return acting(member, account)


@pytest.fixture
def as_key(account):
    key, _raw = ApiKeyFactory(account=account)
    return actor_for_api_key(api_key=key)


@pytest.fixture
def as_outsider(outsider, other_account):
    return acting(outsider, other_account)
