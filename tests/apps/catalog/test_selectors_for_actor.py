"""The catalog's selectors for who acts: an app or a version of the acting account, for
those who build its apps; not found across tenants, forbidden without the right."""

import pytest

from apps.accounts.actors import ANONYMOUS, actor_for_api_key, actor_for_user
from apps.accounts.models import Membership
from apps.catalog.selectors import app_get_for, version_get_for
from apps.core.errors import NotFound, PermissionDenied
from tests.factories import ApiKeyFactory
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db


def acting(user, account):
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


@pytest.fixture
def app(account):
    app = make_app(account=account, name="Invoicer")
    make_version(app=app, number="1.0.0")
    return app


def test_a_developer_and_an_api_key_get_the_accounts_app_and_its_version(account, developer, app):
    key, _raw = ApiKeyFactory(account=account)
    for actor in (acting(developer, account), actor_for_api_key(api_key=key)):
        assert app_get_for(actor=actor, code=app.code) == app
        version = version_get_for(actor=actor, code=app.code, number="1.0.0")
        assert (version.app, version.number) == (app, "1.0.0")
        assert version.app.version_count == 1  # the app as app_get_for annotates it


def test_another_accounts_app_and_an_unknown_number_are_not_found(
    account, other_account, developer, app
):
    theirs = make_app(account=other_account, name="Reporter")
    make_version(app=theirs, number="1.0.0")
    actor = acting(developer, account)

    with pytest.raises(NotFound):
        app_get_for(actor=actor, code=theirs.code)
    with pytest.raises(NotFound):
        version_get_for(actor=actor, code=theirs.code, number="1.0.0")
    with pytest.raises(NotFound):
        version_get_for(actor=actor, code=app.code, number="9.9.9")


def test_without_the_developer_right_it_is_forbidden_whatever_the_code(account, admin, member, app):
    for user in (admin, member):
        actor = acting(user, account)
        with pytest.raises(PermissionDenied):
            app_get_for(actor=actor, code=app.code)
        with pytest.raises(PermissionDenied):
            version_get_for(actor=actor, code="not-a-code", number="1.0.0")


def test_acting_in_no_account_is_not_found(developer, app):
    for actor in (ANONYMOUS, actor_for_user(user=developer)):
        with pytest.raises(NotFound):
            version_get_for(actor=actor, code=app.code, number="1.0.0")
