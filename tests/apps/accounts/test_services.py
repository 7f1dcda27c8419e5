"""Writes for tenancy: every refusal names the field and writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Account, ApiKey, Group, Membership, Role
from apps.accounts.services import (
    account_create,
    actor_require_admin,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    api_key_revoke_many,
    group_create,
    membership_create,
    role_create,
)
from apps.core.crypto import keyed_digest
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    GroupFactory,
    MembershipFactory,
    RoleFactory,
    UserFactory,
)

SETUP = actor_system(label="setup")


def admin_of(account):
    """An admin of ``account``, acting there."""
    membership = MembershipFactory(account=account, is_admin=True)
    return actor_for_user(user=membership.user, membership=membership)


pytestmark = pytest.mark.django_db


class TestAccountCreate:
    def test_creates_with_normalised_slug(self):
        account = account_create(slug="  My-Company ", name="  My Company  ", language="pt")

        account.refresh_from_db()
        assert (account.slug, account.name, account.language) == ("my-company", "My Company", "pt")
        assert account.is_active is True

    @pytest.mark.parametrize(
        "slug", ["ab", "-acme", "acme-", "a_b_c", "acme corp", "acmé", "a" * 64, ""]
    )
    def test_bad_slug_is_refused_naming_slug(self, slug):
        with pytest.raises(ValidationFailed) as excinfo:
            account_create(slug=slug, name="Acme")

        assert list(excinfo.value.fields) == ["slug"]
        assert excinfo.value.code == "invalid"
        assert Account.objects.count() == 0

    def test_blank_name_is_refused_naming_name(self):
        with pytest.raises(ValidationFailed) as excinfo:
            account_create(slug="acme", name="   ")

        assert list(excinfo.value.fields) == ["name"]
        assert Account.objects.count() == 0

    def test_unknown_language_is_refused(self):
        with pytest.raises(ValidationFailed) as excinfo:
            account_create(slug="acme", name="Acme", language="de")

        assert list(excinfo.value.fields) == ["language"]
        assert Account.objects.count() == 0

    def test_duplicate_slug_is_a_field_error(self):
        existing = account_create(slug="acme", name="Acme")

        with pytest.raises(ValidationFailed) as excinfo:
            account_create(slug="ACME", name="Another Acme")

        assert excinfo.value.fields == {"slug": ["This domain is taken."]}
        assert list(Account.objects.values_list("pk", "name")) == [(existing.pk, "Acme")]


class TestRoleCreate:
    def test_creates_role_with_rights(self):
        account = AccountFactory()

        role = role_create(
            actor=admin_of(account), name=" Sales ", rights={"crm": "full", "task": "read"}
        )

        role.refresh_from_db()
        assert (role.account, role.name, role.rights) == (
            account,
            "Sales",
            {"crm": "full", "task": "read"},
        )

    @pytest.mark.parametrize(
        "rights", [{"nope": "read"}, {"crm": "write"}, {"crm": "read", "fin": "owner"}, ["crm"]]
    )
    def test_unknown_module_or_level_names_rights(self, rights):
        account = AccountFactory()

        with pytest.raises(ValidationFailed) as excinfo:
            role_create(actor=admin_of(account), name="Odd", rights=rights)

        assert list(excinfo.value.fields) == ["rights"]
        assert len(excinfo.value.fields["rights"]) == 1
        assert Role.objects.count() == 0

    def test_duplicate_name_in_the_same_account_names_name(self):
        account = AccountFactory()
        role_create(actor=admin_of(account), name="Sales", rights={})

        with pytest.raises(ValidationFailed) as excinfo:
            role_create(actor=admin_of(account), name="Sales", rights={"crm": "read"})

        assert list(excinfo.value.fields) == ["name"]
        assert list(Role.objects.values_list("name", "rights")) == [("Sales", {})]

    def test_same_name_in_another_account(self):
        role_create(actor=admin_of(AccountFactory()), name="Sales", rights={})
        role_create(actor=admin_of(AccountFactory()), name="Sales", rights={})

        assert Role.objects.filter(name="Sales").count() == 2

    def test_blank_name_names_name(self):
        with pytest.raises(ValidationFailed) as excinfo:
            role_create(actor=admin_of(AccountFactory()), name="  ", rights={})

        assert list(excinfo.value.fields) == ["name"]
        assert Role.objects.count() == 0


class TestGroupCreate:
    def test_duplicate_name_in_the_same_account_names_name(self):
        account = AccountFactory()
        group_create(actor=admin_of(account), name="Team A")

        with pytest.raises(ValidationFailed) as excinfo:
            group_create(actor=admin_of(account), name="Team A")

        assert list(excinfo.value.fields) == ["name"]
        assert Group.objects.count() == 1

    def test_same_name_in_another_account(self):
        group_create(actor=admin_of(AccountFactory()), name="Team A")
        group_create(actor=admin_of(AccountFactory()), name="Team A")

        assert Group.objects.filter(name="Team A").count() == 2


class TestMembershipCreate:
    def test_creates_with_role_and_groups(self):
        account = AccountFactory()
        role = RoleFactory(account=account)
        groups = [GroupFactory(account=account), GroupFactory(account=account)]
        user = UserFactory()

        membership = membership_create(
            user=user, account=account, actor=SETUP, role=role, groups=groups, is_admin=True
        )

        membership.refresh_from_db()
        assert (membership.user, membership.account, membership.role) == (user, account, role)
        assert set(membership.groups.all()) == set(groups)
        assert membership.is_admin is True
        assert membership.is_developer is False

    def test_role_of_another_account_is_refused(self):
        account = AccountFactory()
        foreign_role = RoleFactory(account=AccountFactory())

        with pytest.raises(ValidationFailed) as excinfo:
            membership_create(user=UserFactory(), account=account, actor=SETUP, role=foreign_role)

        assert list(excinfo.value.fields) == ["role"]
        assert Membership.objects.count() == 0

    def test_group_of_another_account_is_refused(self):
        account = AccountFactory()
        groups = [GroupFactory(account=account), GroupFactory(account=AccountFactory())]

        with pytest.raises(ValidationFailed) as excinfo:
            membership_create(user=UserFactory(), account=account, actor=SETUP, groups=groups)

        assert list(excinfo.value.fields) == ["groups"]
        assert Membership.objects.count() == 0
        assert Membership.groups.through.objects.count() == 0

    def test_duplicate_membership_is_a_conflict(self):
        existing = MembershipFactory(is_admin=False)
        group = GroupFactory(account=existing.account)

        with pytest.raises(Conflict) as excinfo:
            membership_create(
                user=existing.user,
                account=existing.account,
                actor=SETUP,
                groups=[group],
                is_admin=True,
            )

        assert excinfo.value.code == "already_member"
        assert existing.user.email in excinfo.value.message
        assert list(Membership.objects.values_list("pk", "is_admin")) == [(existing.pk, False)]
        assert Membership.groups.through.objects.count() == 0


class TestActorRequireAdmin:
    def test_admin_passes(self):
        membership = MembershipFactory(is_admin=True)
        actor = actor_for_user(user=membership.user, membership=membership)

        assert actor_require_admin(actor=actor) == membership.account

    def test_member_is_denied(self):
        membership = MembershipFactory(is_admin=False)
        with pytest.raises(PermissionDenied):
            actor_require_admin(actor=actor_for_user(user=membership.user, membership=membership))

    def test_no_membership_is_not_found(self):
        with pytest.raises(NotFound):
            actor_require_admin(actor=actor_for_user(user=UserFactory(), membership=None))


class TestApiKeys:
    def test_create_stores_only_the_key_id_and_a_keyed_hash(self):
        account = AccountFactory()
        user = UserFactory()

        key, raw = api_key_create(account=account, name="  CI  ", created_by=user)

        key.refresh_from_db()
        assert raw.startswith(f"mpk_{key.key_id}_")
        assert len(raw) > len(f"mpk_{key.key_id}_") + 40
        assert key.name == "CI"
        assert key.key_hash == keyed_digest(raw)
        assert raw not in key.key_hash
        assert (key.account, key.created_by, key.revoked_at, key.last_used_at) == (
            account,
            user,
            None,
            None,
        )

    def test_every_key_is_different(self):
        account = AccountFactory()

        raws = {api_key_create(account=account, name="k", created_by=None)[1] for _ in range(5)}

        assert len(raws) == 5
        assert len(set(ApiKey.objects.values_list("key_id", flat=True))) == 5

    @pytest.mark.parametrize(
        "name, message", [("", "required"), ("   ", "required"), ("x" * 101, "100")]
    )
    def test_create_refuses_a_bad_name(self, name, message):
        with pytest.raises(ValidationFailed) as excinfo:
            api_key_create(account=AccountFactory(), name=name, created_by=None)

        assert list(excinfo.value.fields) == ["name"]
        assert message in excinfo.value.fields["name"][0]
        assert ApiKey.objects.count() == 0

    def test_authenticate_returns_the_key_and_records_the_use(self):
        key, raw = ApiKeyFactory(account=AccountFactory())
        before = timezone.now()

        found = api_key_authenticate(raw_key=raw)

        assert found == key
        key.refresh_from_db()
        assert key.last_used_at is not None
        assert key.last_used_at >= before

    def test_authenticate_records_the_use_at_most_once_a_minute(self):
        key, raw = ApiKeyFactory(account=AccountFactory())
        recent = timezone.now() - timedelta(seconds=30)
        old = timezone.now() - timedelta(seconds=90)

        ApiKey.objects.filter(pk=key.pk).update(last_used_at=recent)
        api_key_authenticate(raw_key=raw)
        key.refresh_from_db()
        assert key.last_used_at == recent

        ApiKey.objects.filter(pk=key.pk).update(last_used_at=old)
        api_key_authenticate(raw_key=raw)
        key.refresh_from_db()
        assert key.last_used_at > recent

    def test_authenticate_refuses_bad_keys(self):
        key, raw = ApiKeyFactory(account=AccountFactory())
        wrong_secret = f"mpk_{key.key_id}_{'A' * 43}"

        for bad in [
            "",
            "nope",
            "mpk_",
            "mpk_abc",
            f"mpk_{key.key_id}",
            f"mpk_{key.key_id}_",
            wrong_secret,
            raw + "x",
            "mpk_ffffffffffff_" + raw.split("_", 2)[2],
        ]:
            with pytest.raises(NotFound):
                api_key_authenticate(raw_key=bad)

        key.refresh_from_db()
        assert key.last_used_at is None

    def test_authenticate_refuses_revoked_keys_and_inactive_accounts(self):
        revoked, revoked_raw = ApiKeyFactory(account=AccountFactory())
        api_key_revoke(key=revoked, revoked_by=None)
        inactive = AccountFactory(is_active=False)
        _, inactive_raw = ApiKeyFactory(account=inactive)

        for raw in (revoked_raw, inactive_raw):
            with pytest.raises(NotFound):
                api_key_authenticate(raw_key=raw)

    def test_revoke_is_idempotent(self):
        key, _ = ApiKeyFactory(account=AccountFactory())
        first_by, second_by = UserFactory(), UserFactory()

        api_key_revoke(key=key, revoked_by=first_by)
        revoked_at = ApiKey.objects.get(pk=key.pk).revoked_at
        again = api_key_revoke(key=key, revoked_by=second_by)

        assert revoked_at is not None
        assert (again.revoked_at, again.revoked_by) == (revoked_at, first_by)
        assert again.is_active is False


def test_revoke_many_revokes_only_the_accounts_active_keys(account, other_account, admin):
    active, _ = ApiKeyFactory(account=account, name="a")
    already, _ = ApiKeyFactory(account=account, name="b")
    foreign, _ = ApiKeyFactory(account=other_account, name="c")
    assert api_key_revoke_many(account=account, key_ids=[already.pk], revoked_by=None) == 1

    revoked = api_key_revoke_many(
        account=account, key_ids=[active.pk, already.pk, foreign.pk], revoked_by=admin
    )

    assert revoked == 1
    for key in (active, already, foreign):
        key.refresh_from_db()
    assert active.revoked_by == admin and active.revoked_at is not None
    assert already.revoked_by is None
    assert foreign.revoked_at is None
