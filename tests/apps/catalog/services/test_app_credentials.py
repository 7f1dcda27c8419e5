"""Rotating an app's client secret: the new one works, the old one stops at once, the
client id stays, and no raw secret is ever stored."""

import pytest
from django.contrib.auth.hashers import check_password

from apps.catalog.models import App
from apps.catalog.services import app_credentials_rotate, app_delete
from apps.core.errors import Conflict
from apps.oauth.models import Application
from tests.apps.accounts.api.test_api_keys import tables_containing
from tests.apps.catalog.services.helpers import catalog_rows
from tests.factories.catalog import make_app_with_secret

pytestmark = pytest.mark.django_db


def stored_secret(app: App) -> str:
    return Application.objects.get(pk=app.oauth_application_id).client_secret


def test_rotation_replaces_the_secret_and_keeps_the_client_id(account):
    app, old = make_app_with_secret(account=account)
    client_id = app.oauth_application.client_id
    assert check_password(old, stored_secret(app))

    new = app_credentials_rotate(app=app)

    assert new != old
    assert check_password(new, stored_secret(app))
    assert not check_password(old, stored_secret(app))
    assert Application.objects.get(pk=app.oauth_application_id).client_id == client_id
    assert app.credentials_rotated_at is not None
    assert tables_containing(new) == []
    assert tables_containing(old) == []


def test_rotating_twice_leaves_only_the_last_secret_working(account):
    app, first = make_app_with_secret(account=account)

    second = app_credentials_rotate(app=app)
    third = app_credentials_rotate(app=app)

    assert len({first, second, third}) == 3
    assert [check_password(s, stored_secret(app)) for s in (first, second, third)] == [
        False,
        False,
        True,
    ]


def test_a_deleting_app_keeps_its_credentials(account):
    app, raw = make_app_with_secret(account=account)
    app_delete(app=app)
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        app_credentials_rotate(app=app)

    assert caught.value.code == "app_deleting"
    assert catalog_rows() == before
    assert check_password(raw, stored_secret(app))
