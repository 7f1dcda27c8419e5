import pytest
from django.core.management import CommandError, call_command

from apps.accounts.management.commands.demo import DEMO_PASSWORD
from apps.accounts.models import Account, Group, Membership, Role, User
from apps.accounts.selectors import user_is_moderator


def _counts():
    return tuple(m.objects.count() for m in (Account, User, Membership, Role, Group))


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_prints_the_logins(capsys):
    call_command("demo", force=True)
    first = _counts()
    call_command("demo", force=True)

    assert _counts() == first
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    for email in (
        "admin@acme.test",
        "dev@devstudio.test",
        "moderator@platform.test",
        "staff@platform.test",
        "multi@demo.test",
    ):
        assert email in out
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_data_covers_every_persona():
    call_command("demo", force=True)
    admin = Membership.objects.get(user__email="admin@acme.test", account__slug="acme")
    assert admin.is_admin
    sales = Membership.objects.select_related("role").get(user__email="sales@acme.test")
    assert sales.role.rights["crm"] == "full"
    assert set(sales.groups.values_list("name", flat=True)) == {"Sales team", "EMEA"}
    assert Membership.objects.filter(user__email="multi@demo.test").count() == 2
    developer = Membership.objects.get(user__email="dev@devstudio.test")
    assert developer.is_developer
    assert user_is_moderator(user=User.objects.get(email="moderator@platform.test"))
    assert User.objects.get(email="staff@platform.test").is_superuser


@pytest.mark.django_db
def test_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo")
    assert User.objects.count() == 0
