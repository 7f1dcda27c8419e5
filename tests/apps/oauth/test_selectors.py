"""The token lookup of every app request: one query, the columns the checks use, and
every revocation seen on the next lookup."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.services import installation_access_set
from apps.oauth.selectors import (
    access_token_get_by_checksum,
    refresh_token_facts_get,
    token_checksum,
)
from tests.factories import GroupFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import issue_token, make_installation

pytestmark = pytest.mark.django_db


@pytest.fixture
def installed(account, admin, other_account):
    app = make_app(account=other_account, name="Directory")
    version = make_version(
        app=app,
        status="published",
        scopes=[{"code": "users", "level": "read", "reason": "Needed."}],
        webhooks=[],
    )
    return make_installation(account=account, version=version, by_user=admin)


def _load(raw: str):
    return access_token_get_by_checksum(checksum=token_checksum(raw))


def test_an_access_token_with_everything_its_checks_use_in_one_query(
    account, member, sales_role, installed
):
    raw = issue_token(installation=installed, user=member)
    stored = get_access_token_model().objects.get(token_checksum=token_checksum(raw))
    with CaptureQueriesContext(connection) as queries:
        token = _load(raw)
    assert len(queries) == 1
    assert token.pk == stored.pk
    assert token.scope == stored.scope == "users:read"
    assert token.expires == stored.expires
    assert token.client_id == installed.app.oauth_application.client_id
    assert token.app_suspended is False
    assert (token.user.pk, token.user.email, token.user.is_active) == (
        member.pk,
        member.email,
        True,
    )
    assert token.installation.pk == installed.pk
    assert token.installation.status == "active"
    assert token.installation.granted_scopes == ("users:read",)
    assert (token.installation.account.pk, token.installation.account.slug) == (
        account.pk,
        account.slug,
    )
    assert token.installation.account.language == account.language
    membership = Membership.objects.get(user=member, account=account)
    assert token.membership.pk == membership.pk
    assert token.membership.account_id == account.pk
    assert token.membership.is_admin is False
    assert token.membership.role.name == "Sales"
    assert token.membership.role.rights == sales_role.rights
    assert token.membership.admitted_by_rule is False  # the app is for admins only


def test_admitted_by_a_role_rule_or_a_group_rule(account, admin, member, sales_role, installed):
    raw = issue_token(installation=installed, user=member)
    by, admin_ship = actor_for_user(user=admin), Membership.objects.get(user=admin, account=account)
    installation_access_set(
        installation=installed,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=acting_as(by, admin_ship),
    )
    assert _load(raw).membership.admitted_by_rule is True
    group = GroupFactory(account=account, name="Finance")
    Membership.objects.get(user=member, account=account).groups.add(group)
    installation_access_set(
        installation=installed, role_ids=[], group_ids=[group.pk], actor=acting_as(by, admin_ship)
    )
    assert _load(raw).membership.admitted_by_rule is True
    Membership.objects.get(user=member, account=account).groups.remove(group)
    assert _load(raw).membership.admitted_by_rule is False


def test_unknown_and_other_tokens(installed, admin):
    issue_token(installation=installed, user=admin)
    assert _load("not-a-token") is None


def test_a_user_is_the_model_with_other_fields_deferred(installed, admin):
    user = _load(issue_token(installation=installed, user=admin)).user
    assert user.is_authenticated
    assert user.get_deferred_fields() >= {"password", "date_joined"}
    assert user.date_joined == type(user).objects.get(pk=admin.pk).date_joined  # read on access


def test_a_refresh_token_with_its_users_membership(account, admin, installed):
    raw = issue_token(installation=installed, user=admin)
    access = get_access_token_model().objects.get(token_checksum=token_checksum(raw))
    refresh = get_refresh_token_model().objects.create(
        user=admin,
        application=access.application,
        access_token=access,
        installation=installed,
        token="",
        token_checksum=token_checksum("refresh-" + raw),
    )
    with CaptureQueriesContext(connection) as queries:
        facts = refresh_token_facts_get(refresh_token_id=refresh.pk)
    assert len(queries) == 1
    assert facts.expires is None
    assert facts.installation.pk == installed.pk
    assert facts.membership.pk == Membership.objects.get(user=admin, account=account).pk
    assert facts.membership.is_admin is True
    Membership.objects.filter(user=admin, account=account).delete()
    assert refresh_token_facts_get(refresh_token_id=refresh.pk).membership is None
    assert refresh_token_facts_get(refresh_token_id=refresh.pk + 1000) is None


def test_json_columns_come_back_immutable_whoever_decodes_them():
    """Granted scopes and rights are kept between requests and key the scope decisions:
    a tuple and a read-only mapping, whether the driver hands text or decoded values."""
    from types import MappingProxyType

    from apps.oauth.selectors import _json

    assert _json('["users:read"]') == ("users:read",)
    assert _json(["users:read"]) == ("users:read",)
    assert isinstance(_json('{"users": "read"}'), MappingProxyType)
    assert isinstance(_json({"users": "read"}), MappingProxyType)
    assert _json(None) is None
