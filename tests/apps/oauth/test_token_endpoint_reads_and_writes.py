"""The token endpoint's reads (``selectors``) and compare-and-set writes (``tokens``)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import Membership
from apps.oauth.models import AccessToken, Grant, RefreshToken
from apps.oauth.selectors import (
    application_get_by_client_id,
    grant_get_for_exchange,
    refresh_token_get_for_rotation,
    token_checksum,
)
from apps.oauth.tokens import grant_consume, refresh_token_rotate_out
from tests.apps.oauth.conftest import install, publish, tokens_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(client_for, admin, account, published):
    """An exchanged code (its grant) and the tokens it gave."""
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)
    return Grant.objects.get(), tokens


def test_the_client_is_found_by_its_client_id(published):
    application = published.app.oauth_application

    assert application_get_by_client_id(client_id=published.client_id) == application
    assert application_get_by_client_id(client_id="no-such-client") is None


def test_the_code_comes_with_its_installation_user_and_membership(issued, admin, account):
    grant, _tokens = issued

    found = grant_get_for_exchange(digest=grant.code, application_id=grant.application_id)

    assert found == grant
    assert found.installation.account_id == account.pk
    assert found.user == admin
    assert found.member == Membership.objects.get(user=admin, account=account)


def test_a_code_of_a_user_gone_from_the_account_has_no_membership(issued, admin, account):
    grant, _tokens = issued
    Membership.objects.filter(user=admin, account=account).delete()

    found = grant_get_for_exchange(digest=grant.code, application_id=grant.application_id)

    assert found == grant
    assert getattr(found, "member", None) is None


def test_another_clients_code_is_not_found(issued, developer_account):
    grant, _tokens = issued
    other = publish(developer_account, name="Other").app.oauth_application

    assert grant_get_for_exchange(digest=grant.code, application_id=other.pk) is None
    assert grant_get_for_exchange(digest="0" * 64, application_id=grant.application_id) is None


def test_the_live_refresh_token_comes_first_with_its_access_token(issued):
    _grant, tokens = issued
    live = RefreshToken.objects.get()
    # A revoked row with the same checksum (the constraint only binds live ones).
    RefreshToken.objects.create(
        user=live.user,
        application=live.application,
        token="",
        token_checksum=live.token_checksum,
        token_family=live.token_family,
        installation=live.installation,
        revoked=timezone.now() - timedelta(days=1),
    )

    found = refresh_token_get_for_rotation(checksum=token_checksum(tokens["refresh_token"]))

    assert found == live
    assert found.access_token == AccessToken.objects.get()
    assert refresh_token_get_for_rotation(checksum="0" * 64) is None


def test_a_code_is_spent_once(issued):
    grant, _tokens = issued
    Grant.objects.filter(pk=grant.pk).update(consumed_at=None)

    assert grant_consume(grant=grant) is True
    assert grant_consume(grant=grant) is False
    assert Grant.objects.get().consumed_at is not None


def test_a_refresh_token_is_rotated_out_once_with_its_access_token(issued):
    _grant, _tokens = issued
    refresh_token = RefreshToken.objects.select_related("access_token").get()

    assert refresh_token_rotate_out(refresh_token=refresh_token) is True
    assert refresh_token_rotate_out(refresh_token=refresh_token) is False

    stored = RefreshToken.objects.get()
    assert stored.revoked is not None
    assert stored.access_token_id is None
    assert not AccessToken.objects.exists()
