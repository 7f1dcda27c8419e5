"""The Django admin of installations: read only, for staff, and never a secret."""

import pytest
from django.urls import reverse

from apps.core.crypto import encrypt
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

MODELS = [
    Installation,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
]
SECRET = "tok_live_9f8e7d6c5b4a3210abcd"


@pytest.fixture
def installation(account, other_account, admin):
    version = make_version(
        app=make_app(account=other_account),
        status="published",
        settings=[{"key": "api_token", "level": "app", "type": "secret", "label": "Token"}],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    SettingValue.objects.create(
        installation=installation, key="api_token", secret=encrypt(SECRET), secret_hint="abcd"
    )
    return installation


def _url(model, action: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_staff_see_every_changelist_and_cannot_add(client_for, staff, installation, model):
    client = client_for(staff)
    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "add")).status_code == 403


def test_an_installation_page_is_read_only(client_for, staff, installation):
    client = client_for(staff)
    page = client.get(_url(Installation, "change", installation.pk))
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    before = Installation.objects.values_list("status", "version_id").get()
    client.post(_url(Installation, "change", installation.pk), {"status": "uninstalling"})
    assert client.get(_url(Installation, "delete", installation.pk)).status_code == 403
    assert Installation.objects.values_list("status", "version_id").get() == before


def test_secret_values_are_never_shown(client_for, staff, installation):
    row = SettingValue.objects.get()
    client = client_for(staff)
    for page in (
        client.get(_url(SettingValue, "changelist")),
        client.get(_url(SettingValue, "change", row.pk)),
    ):
        assert page.status_code == 200
        text = page.content.decode()
        assert SECRET not in text
        assert row.secret not in text
        assert "secret set: ••••••••abcd" in text


@pytest.mark.parametrize("persona", [None, "member", "admin"])
def test_account_users_cannot_open_it(request, client_for, installation, persona):
    user = request.getfixturevalue(persona) if persona else None
    response = client_for(user).get(_url(Installation, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
