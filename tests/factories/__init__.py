from tests.factories.accounts import (
    AccountFactory,
    ApiKeyFactory,
    GroupFactory,
    MembershipFactory,
    RoleFactory,
    UserFactory,
)
from tests.factories.catalog import make_app, make_install_link, make_version

__all__ = [
    "AccountFactory",
    "ApiKeyFactory",
    "GroupFactory",
    "MembershipFactory",
    "RoleFactory",
    "UserFactory",
    "make_app",
    "make_install_link",
    "make_version",
]
