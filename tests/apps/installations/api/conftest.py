"""Fixtures of the installations API tests: an app of a third account ("Dev Studio")
installed on ``account`` with settings of every type, a newer version asking for more,
API keys of ``account`` and ``other_account``, and an installation on ``other_account``."""

import pytest

from tests.factories import AccountFactory, ApiKeyFactory, MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

SETTINGS = [
    {
        "key": "company_name",
        "level": "app",
        "type": "string",
        "label": "Company name",
        "required": True,
    },
    {"key": "notes", "level": "app", "type": "text", "label": "Notes"},
    {"key": "payment_days", "level": "app", "type": "number", "label": "Days", "default": 30},
    {"key": "send_copies", "level": "app", "type": "boolean", "label": "Send copies"},
    {
        "key": "currency",
        "level": "app",
        "type": "select",
        "label": "Currency",
        "default": "EUR",
        "options": [{"value": "EUR", "label": "Euro"}, {"value": "USD", "label": "US dollar"}],
    },
    {
        "key": "default_customer",
        "level": "app",
        "type": "reference",
        "model": "crm.account",
        "label": "Default customer",
    },
    {"key": "api_token", "level": "app", "type": "secret", "label": "API token"},
    {"key": "letterhead", "level": "app", "type": "file", "label": "Letterhead"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
    {"key": "personal_token", "level": "user", "type": "secret", "label": "Personal token"},
    {"key": "avatar", "level": "user", "type": "file", "label": "Avatar"},
]
MORE_SCOPES = [
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
    {"code": "users", "level": "read", "reason": "Lists your colleagues."},
]


@pytest.fixture
def publisher(db):
    return AccountFactory(slug="devstudio", name="Dev Studio")


@pytest.fixture
def app(publisher):
    return make_app(account=publisher, name="Invoicer")


@pytest.fixture
def v1(app):
    return make_version(app=app, number="1.0.0", status="published", settings=SETTINGS)


@pytest.fixture
def v2(app, v1):
    """A newer published version asking for ``users:read`` too."""
    return make_version(
        app=app,
        number="1.1.0",
        status="published",
        changelog="Lists colleagues.",
        settings=SETTINGS,
        scopes=MORE_SCOPES,
    )


@pytest.fixture
def installation(account, admin, v1):
    return make_installation(account=account, version=v1, by_user=admin)


@pytest.fixture
def other_installation(other_account, outsider, v1):
    return make_installation(account=other_account, version=v1, by_user=outsider)


@pytest.fixture
def account_key(account) -> str:
    _, raw = ApiKeyFactory(account=account, name="CI")
    return raw


@pytest.fixture
def other_key(other_account) -> str:
    _, raw = ApiKeyFactory(account=other_account, name="Globex CI")
    return raw


@pytest.fixture
def colleague(account):
    """A second member of ``account`` without a role."""
    return MembershipFactory(account=account, user=UserFactory(email="colleague@acme.test")).user
