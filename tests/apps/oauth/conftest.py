"""Shared setup of the authorization server's tests: a published app of another account
(the developer's), its installation on ``account`` and the browser steps up to tokens."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Membership, User
from apps.catalog.models import App, AppVersion
from apps.installations.models import Installation
from apps.installations.services import installation_access_set
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.installations import make_installation
from tests.factories.oauth import allow, authorize_url, callback_params, exchange, pkce_pair

SCOPES = [
    {"code": "users", "level": "read", "reason": "Lists your colleagues."},
    {"code": "crm.accounts", "level": "read", "reason": "Shows customers."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
]


@dataclass
class Published:
    app: App
    secret: str
    version: AppVersion

    @property
    def client_id(self) -> str:
        return self.app.oauth_application.client_id


def publish(account: Account, *, name: str = "Invoicer", **manifest: Any) -> Published:
    app, secret = make_app_with_secret(account=account, name=name)
    manifest.setdefault("scopes", SCOPES)
    version = make_version(app=app, status="published", **manifest)
    return Published(app, secret, version)


@pytest.fixture
def developer_account(db):
    from tests.factories import AccountFactory

    return AccountFactory(slug="devstudio", name="Dev Studio")


@pytest.fixture
def published(developer_account) -> Published:
    """Invoicer 1.0.0, a public account-level app published by Dev Studio."""
    return publish(developer_account)


def install(
    published: Published,
    *,
    account: Account,
    admin: User,
    roles: Iterable[int] = (),
    groups: Iterable[int] = (),
    version: AppVersion | None = None,
) -> Installation:
    """Install through the services, as the console's Install button ends up doing."""
    installation = make_installation(
        account=account, version=version or published.version, by_user=admin
    )
    membership = Membership.objects.get(user=admin, account=account)
    if roles or groups:
        installation_access_set(
            installation=installation,
            role_ids=list(roles),
            group_ids=list(groups),
            actor=actor_for_user(user=admin, membership=membership),
        )
    return installation


def code_for(browser: Client, url: str) -> dict[str, str]:
    """The callback parameters of an authorize request, pressing Allow when asked."""
    response = browser.get(url)
    if response.status_code == 200:
        response = allow(browser, url)
    return callback_params(response)


def tokens_for(browser: Client, published: Published, **params: Any) -> dict[str, Any]:
    """Authorize (with PKCE) and exchange the code: the token response's body."""
    verifier, challenge = pkce_pair()
    callback = code_for(browser, authorize_url(published.client_id, challenge=challenge, **params))
    assert "code" in callback, callback
    response = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert response.status_code == 200, response.content
    return response.json()
