"""The app's OAuth client has one owner in the catalog: ``services/oauth_client.py``
creates it, follows the app's name, suspends it and rotates its secret; no other module
of the catalog reaches the authorization server's model."""

from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password

from apps.catalog.services.oauth_client import (
    oauth_client_create,
    oauth_client_rename,
    oauth_client_rotate_secret,
    oauth_client_suspend,
)
from apps.oauth.models import Application
from tests.factories.catalog import make_app

CATALOG = Path(__file__).resolve().parents[4] / "apps" / "catalog"
OWNER = CATALOG / "services" / "oauth_client.py"


def test_no_other_catalog_module_reaches_the_client_model():
    reaching = [
        str(path.relative_to(CATALOG))
        for path in CATALOG.rglob("*.py")
        if path != OWNER
        and "migrations" not in path.parts
        and any(
            needle in path.read_text()
            for needle in ("get_application_model", "type(app.oauth_application)")
        )
    ]

    assert reaching == []


@pytest.mark.django_db
def test_the_four_operations(account):
    client, secret = oauth_client_create(name="Invoicer")
    stored = Application.objects.get(pk=client.pk)
    assert (stored.client_type, stored.authorization_grant_type) == (
        "confidential",
        "authorization-code",
    )
    assert check_password(secret, stored.client_secret)
    assert secret not in stored.client_secret

    app = make_app(account=account, name="Tally")
    oauth_client_rename(app=app, name="Tally Pro")
    oauth_client_suspend(app=app, suspended=True)
    assert Application.objects.filter(pk=app.oauth_application_id, name="Tally Pro").exists()
    assert Application.objects.get(pk=app.oauth_application_id).is_suspended is True
    oauth_client_suspend(app=app, suspended=False)
    assert Application.objects.get(pk=app.oauth_application_id).is_suspended is False

    new = oauth_client_rotate_secret(app=app)
    assert check_password(new, Application.objects.get(pk=app.oauth_application_id).client_secret)
