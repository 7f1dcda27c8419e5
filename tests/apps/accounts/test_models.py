"""Invariants of the tenancy models that the database itself enforces."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from apps.accounts.models import ApiKey, Group, Membership, Role, User
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    GroupFactory,
    MembershipFactory,
    RoleFactory,
    UserFactory,
)
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db


class TestUser:
    def test_email_is_stored_lower_case(self):
        user = User.objects.create_user("  Ada.Lovelace@Example.TEST ", "pw-123456789")

        user.refresh_from_db()
        assert user.email == "ada.lovelace@example.test"
        assert user.get_username() == "ada.lovelace@example.test"

    def test_save_lower_cases_an_email_set_directly(self):
        user = UserFactory(email="first@x.test")
        user.email = "Second@X.Test"
        user.save()

        assert User.objects.get(pk=user.pk).email == "second@x.test"

    @pytest.mark.parametrize("spelling", ["a@x.test", "A@x.test", "A@X.TEST", " a@x.test "])
    def test_email_is_unique_case_insensitively(self, spelling):
        User.objects.create_user("a@x.test", "pw-123456789")

        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user(spelling, "pw-123456789")

        assert list(User.objects.values_list("email", flat=True)) == ["a@x.test"]

    def test_database_refuses_a_case_variant_even_when_save_is_bypassed(self):
        User.objects.create_user("a@x.test", "pw-123456789")

        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.bulk_create([User(email="A@X.test")])

        assert User.objects.count() == 1

    def test_login_with_any_case_of_the_email(self):
        user = UserFactory(email="ada@example.test")

        assert authenticate(username="ADA@Example.test", password=PASSWORD) == user
        assert authenticate(username="ada@example.test", password="wrong") is None

    def test_create_user(self):
        user = User.objects.create_user("ada@example.test", "s3cret-passw0rd", full_name="Ada L")

        assert user.pk is not None
        assert user.check_password("s3cret-passw0rd")
        assert user.password != "s3cret-passw0rd"
        assert user.is_active is True
        assert user.is_staff is False
        assert user.is_superuser is False
        assert user.get_full_name() == "Ada L"
        assert user.get_short_name() == "Ada"
        assert str(user) == "ada@example.test"

    def test_create_user_without_password_has_an_unusable_one(self):
        user = User.objects.create_user("nopw@example.test")

        assert user.has_usable_password() is False

    def test_create_user_without_email_is_refused(self):
        with pytest.raises(ValueError, match="e-mail"):
            User.objects.create_user("", "pw-123456789")

        assert User.objects.count() == 0

    def test_create_superuser(self):
        user = User.objects.create_superuser("Root@Example.test", "s3cret-passw0rd", is_staff=False)

        user.refresh_from_db()
        assert user.email == "root@example.test"
        assert user.is_staff is True
        assert user.is_superuser is True
        assert user.check_password("s3cret-passw0rd")

    def test_names_fall_back_to_the_email(self):
        user = UserFactory(email="anon@example.test", full_name="")

        assert user.get_full_name() == "anon@example.test"
        assert user.get_short_name() == "anon@example.test"


class TestMembership:
    def test_unique_per_user_and_account(self):
        membership = MembershipFactory()

        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=membership.user, account=membership.account)

        assert Membership.objects.count() == 1

    def test_a_user_may_belong_to_several_accounts(self):
        user = UserFactory()
        MembershipFactory(user=user, account=AccountFactory(slug="one"))
        MembershipFactory(user=user, account=AccountFactory(slug="two"))

        assert sorted(user.memberships.values_list("account__slug", flat=True)) == ["one", "two"]

    def test_deleting_the_role_keeps_the_membership(self):
        role = RoleFactory()
        membership = MembershipFactory(account=role.account, role=role)

        role.delete()

        membership.refresh_from_db()
        assert membership.role is None


class TestRoleAndGroupNames:
    @pytest.mark.parametrize("model, factory", [(Role, RoleFactory), (Group, GroupFactory)])
    def test_name_unique_per_account(self, model, factory):
        account = AccountFactory()
        factory(account=account, name="Sales")

        with pytest.raises(IntegrityError), transaction.atomic():
            factory(account=account, name="Sales")

        assert model.objects.filter(account=account).count() == 1

    @pytest.mark.parametrize("model, factory", [(Role, RoleFactory), (Group, GroupFactory)])
    def test_name_reusable_across_accounts(self, model, factory):
        factory(account=AccountFactory(slug="one"), name="Sales")
        factory(account=AccountFactory(slug="two"), name="Sales")

        assert model.objects.filter(name="Sales").count() == 2

    def test_role_clean_names_unknown_modules(self):
        from django.core.exceptions import ValidationError

        role = Role(account=AccountFactory(), name="Odd", rights={"nope": "read"})

        with pytest.raises(ValidationError) as excinfo:
            role.full_clean()

        assert list(excinfo.value.message_dict) == ["rights"]
        assert "nope" in excinfo.value.message_dict["rights"][0]


class TestApiKey:
    def test_display_prefix_and_state(self):
        key, raw = ApiKeyFactory(account=AccountFactory(), name="CI")

        assert key.display_prefix == f"mpk_{key.key_id}"
        assert raw.startswith(key.display_prefix + "_")
        assert key.is_active is True
        assert str(key) == f"CI (mpk_{key.key_id}…)"

    def test_key_id_is_unique(self):
        key, _ = ApiKeyFactory(account=AccountFactory())

        with pytest.raises(IntegrityError), transaction.atomic():
            ApiKey.objects.create(
                account=key.account, name="dup", key_id=key.key_id, key_hash="0" * 64
            )

        assert ApiKey.objects.count() == 1
