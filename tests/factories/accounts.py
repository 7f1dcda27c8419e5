from dataclasses import replace

import factory
from factory.django import DjangoModelFactory

from apps.accounts.actors import Actor
from apps.accounts.models import Account, Group, Membership, Role, User
from apps.accounts.services import api_key_create

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    slug = factory.Sequence(lambda n: f"account-{n}")
    name = factory.Sequence(lambda n: f"Account {n}")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    rights = factory.LazyFunction(lambda: {"crm": "full", "task": "read"})


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = None
    is_admin = False
    is_developer = False

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.set(extracted)


class ApiKeyFactory:
    """``ApiKeyFactory(account=...)`` returns ``(key, raw)``: the raw key exists only here."""

    def __new__(cls, *, account: Account, name: str = "Automation", created_by: User | None = None):
        return api_key_create(account=account, name=name, created_by=created_by)


def acting_as(actor: Actor, membership: Membership | None) -> Actor:
    """``actor`` acting in ``membership``'s account with its rights (an unsaved admin
    membership without a user stands for an API key's admin rights)."""
    return replace(actor, membership=membership, account=membership.account if membership else None)
