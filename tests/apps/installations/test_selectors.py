"""Reads of installations, each scoped to the account or member asking: outsiders learn
nothing, secrets never come back in clear."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.core.errors import NotFound
from apps.installations.policies import MASK
from apps.installations.selectors import (
    embedding_list_for_member,
    installation_access,
    installation_count_for_developer_app,
    installation_get,
    installation_history,
    installation_ids_usable_by,
    installation_list_for_account,
    installation_live_for,
    installation_member_may_use,
    installation_newer_versions,
    installation_settings,
    setting_file_get,
    user_authorization_get,
)
from apps.installations.services import (
    installation_access_set,
    installation_install,
    installation_settings_save,
    installation_uninstall,
    user_authorization_record,
)
from tests.factories import AccountFactory, GroupFactory, MembershipFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company"},
    {"key": "days", "level": "app", "type": "number", "label": "Days", "default": 30},
    {"key": "api_key", "level": "app", "type": "secret", "label": "API key"},
    {"key": "contract", "level": "app", "type": "file", "label": "Contract"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
]


@pytest.fixture
def app():
    return make_app(account=AccountFactory(slug="devstudio"))


@pytest.fixture
def installed(app, account, admin):
    version = make_version(app=app, status="published", settings=SETTINGS)
    return installation_install(
        account=account,
        version=version,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )


def test_installation_get_is_scoped_to_the_account(installed, account, other_account):
    assert installation_get(account=account, installation_id=str(installed.pk)) == installed
    for bad in (installed.pk, "abc", None):
        with pytest.raises(NotFound):
            installation_get(
                account=other_account if bad == installed.pk else account, installation_id=bad
            )
    assert list(installation_list_for_account(account=other_account)) == []
    assert list(installation_list_for_account(account=account)) == [installed]


def test_count_for_developer_app_counts_every_status_of_that_app_only(
    installed, app, account, admin, other_account, django_assert_num_queries
):
    make_installation(account=other_account, version=installed.version)
    other_app = make_app(account=app.account, name="Other app")
    make_installation(account=account, version=make_version(app=other_app, status="published"))
    installation_uninstall(
        installation=installed,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )

    with django_assert_num_queries(1):
        count = installation_count_for_developer_app(account=app.account, app=app)

    assert count == 2
    assert installation_count_for_developer_app(account=app.account, app=other_app) == 1


def test_count_for_developer_app_refuses_another_accounts_app(installed, app, account):
    with pytest.raises(NotFound):
        installation_count_for_developer_app(account=account, app=app)


def test_live_for_ignores_uninstalling(installed, app, account, admin):
    assert installation_live_for(account=account, app=app) == installed
    installation_uninstall(
        installation=installed,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    assert installation_live_for(account=account, app=app) is None
    assert list(installation_list_for_account(account=account)) == [installed]


def test_member_may_use_by_role_or_group(installed, account, admin, member, sales_role, outsider):
    member_ship = Membership.objects.get(user=member)
    admin_ship = Membership.objects.get(user=admin)
    assert installation_member_may_use(installation=installed, membership=admin_ship)
    assert not installation_member_may_use(installation=installed, membership=member_ship)
    assert not installation_member_may_use(
        installation=installed, membership=Membership.objects.get(user=outsider)
    )
    assert installation_access(installation=installed).admins_only
    group = GroupFactory(account=account, name="Finance")
    grouped = MembershipFactory(account=account, groups=[group])
    installation_access_set(
        installation=installed,
        role_ids=[sales_role.pk],
        group_ids=[group.pk],
        actor=actor_for_user(user=admin, membership=admin_ship),
    )
    access = installation_access(installation=installed)
    assert access.role_names == ("Sales",)
    assert access.group_names == ("Finance",)
    assert installation_member_may_use(installation=installed, membership=member_ship)
    assert installation_member_may_use(installation=installed, membership=grouped)
    assert [e.installation_id for e in embedding_list_for_member(membership=member_ship)] == [
        installed.pk
    ]
    loner = MembershipFactory(account=account)
    assert embedding_list_for_member(membership=loner) == []


def test_settings_never_return_a_secret_in_clear(installed, account, admin, member):
    installation_settings_save(
        installation=installed,
        level="app",
        user=None,
        values={"company_name": "Acme", "api_key": "a-very-long-secret-9876"},
        actor=actor_for_user(user=admin, membership=Membership.objects.get(user=admin)),
    )
    fields = {f.setting.key: f for f in installation_settings(installation=installed, level="app")}
    assert fields["company_name"].value == "Acme"
    assert fields["days"].value == 30 and not fields["days"].is_set
    secret = fields["api_key"]
    assert secret.value is None
    assert secret.is_set
    assert secret.masked == MASK + "9876"
    assert "a-very-long-secret" not in repr(fields)
    assert not fields["contract"].is_set
    with pytest.raises(NotFound):
        setting_file_get(installation=installed, key="contract", user=None)

    installation_settings_save(
        installation=installed,
        level="user",
        user=member,
        values={"signature": "M."},
        actor=actor_for_user(user=member, membership=Membership.objects.get(user=member)),
    )
    mine = installation_settings(installation=installed, level="user", user=member)
    theirs = installation_settings(installation=installed, level="user", user=admin)
    assert [f.value for f in mine] == ["M."]
    assert [f.value for f in theirs] == [None]


def test_history_newer_versions_and_user_authorization(installed, app, member):
    make_version(app=app, number="1.1.0", status="published", settings=SETTINGS)
    make_version(app=app, number="1.2.0", status="draft", settings=SETTINGS)
    make_version(app=app, number="2.0.0", status="published", settings=SETTINGS)
    assert [v.number for v in installation_newer_versions(installation=installed)] == [
        "2.0.0",
        "1.1.0",
    ]
    assert user_authorization_get(installation=installed, user=member) is None
    user_authorization_record(
        installation=installed,
        user=member,
        scopes=["crm.accounts:read"],
        actor=actor_for_user(user=member),
    )
    assert user_authorization_get(installation=installed, user=member).scopes == [
        "crm.accounts:read"
    ]
    assert [e.kind for e in installation_history(installation=installed)] == [
        "installed",
        "user_authorized",
    ]


@pytest.mark.parametrize(
    ("is_admin", "role_id", "group_ids", "roles", "groups", "allowed"),
    [
        (True, None, [], [], [], True),
        (False, 1, [], [], [], False),  # no rule: admins only
        (False, 1, [], [1], [], True),
        (False, 2, [], [1], [], False),
        (False, None, [5], [], [5], True),
        (False, None, [5, 6], [1], [7], False),
        (False, None, [], [1], [5], False),
    ],
)
def test_member_may_use_table(
    installed, account, is_admin, role_id, group_ids, roles, groups, allowed
):
    """Admins always; others through an allowed role or one of their groups; no rule means
    admins only. Numbers stand for distinct roles and groups of the account."""
    from apps.installations.models import InstallationAccess
    from tests.factories import RoleFactory, UserFactory

    role_of = {n: RoleFactory(account=account, name=f"Role {n}") for n in {1, 2}}
    group_of = {n: GroupFactory(account=account, name=f"Group {n}") for n in {5, 6, 7}}
    membership = MembershipFactory(
        account=account,
        user=UserFactory(email="table@acme.test"),
        is_admin=is_admin,
        role=role_of.get(role_id),
    )
    membership.groups.set([group_of[n] for n in group_ids])
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=installed, role=role_of[n]) for n in roles]
        + [InstallationAccess(installation=installed, group=group_of[n]) for n in groups]
    )

    assert installation_member_may_use(installation=installed, membership=membership) is allowed
    assert (installed.pk in installation_ids_usable_by(membership=membership)) is allowed
