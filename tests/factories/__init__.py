from tests.factories.accounts import (
    AccountFactory,
    ApiKeyFactory,
    GroupFactory,
    MembershipFactory,
    RoleFactory,
    UserFactory,
)

__all__ = [
    "AccountFactory",
    "ApiKeyFactory",
    "GroupFactory",
    "MembershipFactory",
    "RoleFactory",
    "UserFactory",
]
