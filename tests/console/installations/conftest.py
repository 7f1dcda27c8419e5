"""Installed-app fixtures: an app of another account with every kind of setting,
installed on ``account`` through the installations service."""

import pytest
from django.urls import reverse

from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
)
from apps.jobs.models import Job
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "footer", "level": "app", "type": "text", "label": "Invoice footer"},
    {"key": "due_days", "level": "app", "type": "number", "label": "Days to pay", "default": 30},
    {"key": "send_copy", "level": "app", "type": "boolean", "label": "Send me a copy"},
    {
        "key": "currency",
        "level": "app",
        "type": "select",
        "label": "Currency",
        "options": [{"value": "eur", "label": "Euro"}, {"value": "usd", "label": "US dollar"}],
    },
    {
        "key": "default_account",
        "level": "app",
        "type": "reference",
        "label": "Default customer",
        "model": "crm.account",
    },
    {"key": "api_token", "level": "app", "type": "secret", "label": "API token"},
    {"key": "letterhead", "level": "app", "type": "file", "label": "Letterhead"},
    {"key": "signature", "level": "user", "type": "text", "label": "My signature"},
    {"key": "my_token", "level": "user", "type": "secret", "label": "My token"},
]

SECRET = "sk_live_0123456789abcdefWXYZ"


def install(*, account, version, admin_user) -> Installation:
    return make_installation(account=account, version=version, by_user=admin_user)


@pytest.fixture
def invoicer(other_account):
    """Invoicer by Globex: public, version 1.0.0 published with every setting type."""
    app = make_app(account=other_account, name="Invoicer", type="public")
    make_version(app=app, number="1.0.0", status="published", settings=SETTINGS)
    return app


@pytest.fixture
def installation(account, admin, invoicer):
    """Invoicer 1.0.0 installed on Acme by its admin."""
    return install(account=account, version=invoicer.versions.get(number="1.0.0"), admin_user=admin)


def url(name: str, installation: Installation, **kwargs) -> str:
    return reverse(
        f"console:installations:{name}", kwargs={"installation_id": installation.pk, **kwargs}
    )


def snapshot(installation: Installation) -> dict:
    """Everything a page could change about an installation."""
    installation.refresh_from_db()
    return {
        "installation": (
            installation.status,
            installation.version_id,
            list(installation.granted_scopes),
            installation.scopes_revision,
            installation.pinned_at,
            installation.pending_version_id,
        ),
        "access": sorted(
            InstallationAccess.objects.filter(installation=installation).values_list(
                "role_id", "group_id"
            ),
            key=str,
        ),
        "settings": sorted(
            SettingValue.objects.filter(installation=installation).values_list(
                "key", "user_id", "value", "secret", "file", "updated_at"
            ),
            key=str,
        ),
        "events": InstallationEvent.objects.filter(installation=installation).count(),
        "jobs": Job.objects.count(),
    }
