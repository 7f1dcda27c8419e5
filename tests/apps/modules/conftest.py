"""Fixtures of the module data tests: installed apps with chosen scopes, their tokens,
members with chosen module rights, and API keys."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_access_set
from tests.factories import ApiKeyFactory, MembershipFactory, RoleFactory, UserFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation


@pytest.fixture
def install(account, admin, other_account):
    """``install("crm.accounts:full", ...)``: an installation on ``account`` granting those
    scopes, usable by every role of the account."""
    count = iter(range(1000))

    def make(*scopes: str, on=None):
        target = on or account
        by = (
            admin
            if on is None
            else Membership.objects.filter(account=on, is_admin=True).first().user
        )
        declared = [
            {"code": s.split(":")[0], "level": s.split(":")[1], "reason": "Needed."} for s in scopes
        ]
        app = make_app(account=other_account, name=f"Module app {next(count)}")
        version = make_version(app=app, status="published", scopes=declared, webhooks=[])
        installation = make_installation(account=target, version=version, by_user=by)
        installation_access_set(
            installation=installation,
            role_ids=list(target.roles.values_list("pk", flat=True)),
            group_ids=[],
            actor=actor_for_user(
                user=by, membership=Membership.objects.get(account=target, user=by)
            ),
        )
        return installation

    return make


@pytest.fixture
def member_with(account):
    """``member_with({"crm": "read"})``: a member of ``account`` whose role has those
    rights (an empty map: no right at all)."""
    count = iter(range(1000))

    def make(rights: dict[str, str]):
        n = next(count)
        role = RoleFactory(account=account, name=f"Role {n}", rights=rights)
        return MembershipFactory(
            account=account, user=UserFactory(email=f"rights{n}@acme.test"), role=role
        ).user

    return make


@pytest.fixture
def token_for():
    def make(installation, user, scopes=None):
        return issue_token(installation=installation, user=user, scopes=scopes)

    return make


@pytest.fixture
def account_key(account):
    return ApiKeyFactory(account=account)[1]


@pytest.fixture
def other_key(other_account):
    return ApiKeyFactory(account=other_account)[1]
