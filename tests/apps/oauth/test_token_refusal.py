"""``token_refusal``: the one rule of whether an access or refresh token may act, for API
requests, introspection and refresh alike. Pure: the token is a value."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.installations.policies import (
    ACCOUNT_DEACTIVATED,
    NO_ACCESS,
    NO_LONGER_MEMBER,
    UNINSTALLED,
)
from apps.oauth.policies import (
    APP_SUSPENDED,
    EXPIRED,
    USER_DEACTIVATED,
    AppToken,
    TokenAccount,
    TokenInstallation,
    TokenMembership,
    token_refusal,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ACCOUNT = TokenAccount(pk=1, slug="acme", language="en", is_active=True)
INSTALLATION = TokenInstallation(
    pk=7, status="active", granted_scopes=("users:read",), account=ACCOUNT
)
MEMBER = TokenMembership(pk=3, account_id=1, is_admin=False, role=None, admitted_by_rule=True)


def token(**changes) -> AppToken:
    base = AppToken(
        pk=1,
        scope="users:read",
        expires=NOW + timedelta(hours=1),
        client_id="client",
        app_suspended=False,
        user=User(pk=5, email="m@acme.test", is_active=True),
        installation=INSTALLATION,
        membership=MEMBER,
    )
    return base._replace(**changes)


def test_a_token_that_stands_may_act():
    assert token_refusal(token(), now=NOW) is None
    assert token_refusal(token(expires=None), now=NOW) is None  # a refresh token


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"expires": NOW}, EXPIRED),
        ({"app_suspended": True}, APP_SUSPENDED),
        ({"installation": None}, UNINSTALLED),
        ({"installation": INSTALLATION._replace(status="uninstalling")}, UNINSTALLED),
        (
            {"installation": INSTALLATION._replace(account=ACCOUNT._replace(is_active=False))},
            ACCOUNT_DEACTIVATED,
        ),
        ({"user": None}, USER_DEACTIVATED),
        ({"user": User(pk=5, email="m@acme.test", is_active=False)}, USER_DEACTIVATED),
        ({"membership": None}, NO_LONGER_MEMBER),
        ({"membership": MEMBER._replace(account_id=2)}, NO_LONGER_MEMBER),
        ({"membership": MEMBER._replace(admitted_by_rule=False)}, NO_ACCESS),
    ],
)
def test_each_refusal(changes, refusal):
    assert token_refusal(token(**changes), now=NOW) == refusal


def test_an_admin_needs_no_access_rule():
    admin = MEMBER._replace(is_admin=True, admitted_by_rule=False)
    assert token_refusal(token(membership=admin), now=NOW) is None


def test_expiry_comes_first():
    """An expired token says so (the app refreshes), whatever else changed since."""
    assert token_refusal(token(expires=NOW, app_suspended=True, user=None), now=NOW) == EXPIRED
