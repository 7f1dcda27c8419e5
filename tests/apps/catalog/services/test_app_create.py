"""Creating and renaming apps: the OAuth client behind each app, its hashed secret, and
the name rules."""

import uuid

import pytest
from django.contrib.auth.hashers import check_password

from apps.accounts.actors import actor_for_user, actor_system
from apps.catalog.models import App, AppStatus
from apps.catalog.services import app_create, app_delete, app_rename
from apps.core.errors import Conflict, ValidationFailed
from apps.oauth.models import Application
from tests.apps.accounts.api.test_api_keys import tables_containing
from tests.apps.catalog.services.helpers import catalog_rows
from tests.factories.catalog import make_app

pytestmark = pytest.mark.django_db


class TestCreate:
    def test_creates_an_active_unlisted_app_with_a_confidential_oauth_client(
        self, account, developer
    ):
        app, raw_secret = app_create(
            account=account, name="  Invoicer ", type="public", actor=actor_for_user(user=developer)
        )

        app = App.objects.select_related("oauth_application").get(pk=app.pk)
        assert app.account == account
        assert app.name == "Invoicer"
        assert app.type == "public"
        assert app.status == AppStatus.ACTIVE
        assert app.is_listed is False
        assert app.created_by == developer
        assert isinstance(app.code, uuid.UUID)
        client = app.oauth_application
        assert client.name == "Invoicer"
        assert client.client_type == "confidential"
        assert client.authorization_grant_type == "authorization-code"
        assert client.is_suspended is False
        assert client.skip_authorization is False
        assert len(raw_secret) >= 64

    def test_each_app_gets_its_own_code_and_client(self, account):
        first = make_app(account=account, name="One")
        second = make_app(account=account, name="Two", type="private")

        assert first.code != second.code
        assert first.oauth_application_id != second.oauth_application_id
        assert first.oauth_application.client_id != second.oauth_application.client_id

    def test_the_client_secret_is_stored_hashed_and_verifies(self, account):
        app, raw_secret = app_create(
            account=account,
            name="Invoicer",
            type="public",
            actor=actor_system(label="API key mpk_abc"),
        )

        stored = Application.objects.get(pk=app.oauth_application_id).client_secret
        assert stored != raw_secret
        assert stored.startswith("hmac_sha256_pepper$")
        assert check_password(raw_secret, stored)
        assert not check_password(raw_secret + "x", stored)
        assert tables_containing(raw_secret) == []

    def test_an_api_key_creates_an_app_without_a_user(self, account):
        app, _ = app_create(
            account=account, name="CI app", type="private", actor=actor_system(label="API key")
        )
        assert app.created_by is None

    @pytest.mark.parametrize(
        ("name", "type", "fields"),
        [
            ("", "public", {"name": ["This field is required."]}),
            ("   ", "public", {"name": ["This field is required."]}),
            ("x" * 101, "public", {"name": ["Use at most 100 characters."]}),
            ("Invoicer", "internal", {"type": ["Choose 'private' or 'public'."]}),
            ("Invoicer", "", {"type": ["Choose 'private' or 'public'."]}),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, account, name, type, fields):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_create(account=account, name=name, type=type, actor=actor_system(label="t"))

        assert caught.value.fields == fields
        assert catalog_rows() == before

    def test_a_name_is_unique_in_its_account_and_the_loser_leaves_no_client(self, account):
        make_app(account=account, name="Invoicer")
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_create(
                account=account, name="Invoicer", type="private", actor=actor_system(label="t")
            )

        assert caught.value.fields == {"name": ["Your account already has an app with this name."]}
        assert catalog_rows() == before

    def test_another_account_may_use_the_same_name(self, account, other_account):
        make_app(account=account, name="Invoicer")
        make_app(account=other_account, name="Invoicer")

        assert App.objects.filter(name="Invoicer").count() == 2


class TestRename:
    def test_renames_the_app_and_its_client_and_keeps_the_code(self, account):
        app = make_app(account=account, name="Invoicer")
        code = app.code

        app_rename(app=app, name=" Invoicer Pro ")

        app = App.objects.select_related("oauth_application").get(pk=app.pk)
        assert app.name == "Invoicer Pro"
        assert app.code == code
        assert app.oauth_application.name == "Invoicer Pro"

    def test_a_taken_name_is_refused_naming_the_field(self, account):
        make_app(account=account, name="Taken")
        app = make_app(account=account, name="Invoicer")
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_rename(app=app, name="Taken")

        assert caught.value.fields == {"name": ["Your account already has an app with this name."]}
        assert catalog_rows() == before

    def test_a_blank_name_is_refused(self, account):
        app = make_app(account=account)
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_rename(app=app, name=" ")

        assert caught.value.fields == {"name": ["This field is required."]}
        assert catalog_rows() == before

    def test_a_deleting_app_cannot_be_renamed(self, account):
        app = app_delete(app=make_app(account=account))
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            app_rename(app=app, name="New")

        assert caught.value.code == "app_deleting"
        assert catalog_rows() == before
