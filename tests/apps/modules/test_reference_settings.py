"""Reference settings point at real records of the installation's account: an id of
another account's record, or of none, is refused under the setting's key."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.core.errors import ValidationFailed
from apps.installations.models import SettingValue
from apps.installations.services import installation_settings_save
from apps.modules.models import CrmAccount
from tests.apps.modules.records import make_record
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

SETTINGS = [
    {
        "key": "default_customer",
        "level": "app",
        "type": "reference",
        "model": "crm.account",
        "label": "Default customer",
    },
    {"key": "approver", "level": "app", "type": "reference", "model": "users.user", "label": "A"},
]


@pytest.fixture
def save(account, admin, other_account):
    app = make_app(account=other_account, name="Refs")
    version = make_version(
        app=app,
        status="published",
        scopes=[
            {"code": "crm.accounts", "level": "read", "reason": "Customers."},
            {"code": "users", "level": "read", "reason": "Approvers."},
        ],
        webhooks=[],
        settings=SETTINGS,
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    actor = actor_for_user(
        user=admin, membership=Membership.objects.get(account=account, user=admin)
    )

    def run(values):
        return installation_settings_save(
            installation=installation, level="app", user=None, values=values, actor=actor
        )

    return run


def test_a_record_of_the_account_is_stored(save, account, admin):
    customer = make_record(CrmAccount, account)

    save({"default_customer": customer.pk, "approver": admin.pk})

    assert dict(SettingValue.objects.values_list("key", "value")) == {
        "default_customer": customer.pk,
        "approver": admin.pk,
    }


def test_another_accounts_record_or_user_is_refused_by_key(save, other_account, outsider):
    theirs = make_record(CrmAccount, other_account)

    with pytest.raises(ValidationFailed) as refused:
        save({"default_customer": theirs.pk, "approver": outsider.pk})

    assert refused.value.fields == {
        "default_customer": [f"No crm.account {theirs.pk} in this account."],
        "approver": [f"No users.user {outsider.pk} in this account."],
    }
    assert not SettingValue.objects.exists()
