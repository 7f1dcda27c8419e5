"""Marketplace fixtures: apps in the public catalog, and the personas who browse it."""

import pytest

from apps.catalog.models import App
from apps.catalog.services import app_list_in_catalog, app_listing_update
from tests.factories import MembershipFactory, UserFactory, make_app, make_version


def make_catalog_app(
    *,
    account,
    name: str = "Invoicer",
    summary: str = "Invoices from deals",
    description: str = "Creates invoices from won deals.",
    number: str = "1.0.0",
    **manifest_overrides,
) -> App:
    """A public app with a listing and a published version, listed in the catalog."""
    app = make_app(account=account, name=name, type="public")
    app_listing_update(
        app=app,
        summary=summary,
        description=description,
        support_email=f"help@{name.lower().replace(' ', '')}.example.com",
        support_url="",
    )
    make_version(app=app, number=number, status="published", **manifest_overrides)
    return app_list_in_catalog(app=app)


@pytest.fixture
def listed(account):
    """Invoicer by Acme Corp, in the catalog."""
    return make_catalog_app(account=account)


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


# Every persona may browse the catalog, anonymous visitors included.
EVERYONE = [
    None,
    "member",
    "developer",
    "admin",
    "outsider",
    "other_developer",
    "moderator",
    "staff",
]
SIGNED_IN = EVERYONE[1:]


def persona_client(request, client_for, persona):
    return client_for(request.getfixturevalue(persona) if persona else None)
