"""Load demo data: accounts, roles, groups, members, a developer, a moderator and staff,
then the developer's demo apps (``demo_catalog``) and the Example Connector
(``demo_example_app``). All demo data lives in ``apps.demo``, above every context it
fills, so no domain context carries demo code.

Idempotent: running it again changes nothing that exists and resets the demo passwords.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from apps.accounts.models import Account, Group, Membership, Role, User
from apps.demo.people import DemoCommand
from apps.demo.records import demo_records

DEMO_PASSWORD = "marketplace-demo"

ACCOUNTS = [
    ("acme", "Acme Corp", "en"),
    ("globex", "Globex Brasil", "pt"),
    ("devstudio", "Dev Studio", "en"),
]
ROLES = {
    "acme": {
        "Sales": {"crm": "full", "task": "full", "calendar": "full", "products": "read"},
        "Finance": {"fin": "full", "crm": "read", "products": "read"},
        "Support": {"st": "full", "knowledgebase": "full", "crm": "read"},
    },
    "globex": {"Vendas": {"crm": "full", "task": "read"}},
    "devstudio": {"Engineering": {"task": "full", "agile": "full", "knowledgebase": "full"}},
}
GROUPS = {
    "acme": ["Sales team", "EMEA", "Back office"],
    "globex": ["Equipe"],
    "devstudio": ["Core"],
}
# (email, name, [(account, role, groups, is_admin, is_developer)], staff, superuser, moderator)
PEOPLE = [
    ("admin@acme.test", "Ada Admin", [("acme", None, [], True, False)], False, False, False),
    (
        "sales@acme.test",
        "Sam Sales",
        [("acme", "Sales", ["Sales team", "EMEA"], False, False)],
        False,
        False,
        False,
    ),
    (
        "finance@acme.test",
        "Fay Finance",
        [("acme", "Finance", ["Back office"], False, False)],
        False,
        False,
        False,
    ),
    (
        "multi@demo.test",
        "Max Multi",
        [("acme", "Support", ["EMEA"], False, False), ("globex", None, ["Equipe"], True, False)],
        False,
        False,
        False,
    ),
    ("admin@globex.test", "Gil Globex", [("globex", None, [], True, False)], False, False, False),
    (
        "dev@devstudio.test",
        "Dee Developer",
        [("devstudio", "Engineering", ["Core"], True, True)],
        False,
        False,
        False,
    ),
    ("moderator@platform.test", "Mo Moderator", [], True, False, True),
    ("staff@platform.test", "Stef Staff", [], True, True, False),
]
WHAT = {
    "admin@acme.test": "account admin of acme",
    "sales@acme.test": "member of acme (role Sales)",
    "finance@acme.test": "member of acme (role Finance)",
    "multi@demo.test": "member of acme and admin of globex (account switcher)",
    "admin@globex.test": "account admin of globex",
    "dev@devstudio.test": "developer and admin of devstudio",
    "moderator@platform.test": "platform moderator",
    "staff@platform.test": "platform staff (superuser, Django admin)",
}


class Command(DemoCommand):
    help = "Create demo accounts and users (idempotent) and print their logins."

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo users with known passwords while DEBUG is off. "
                "Use --force on a throwaway database."
            )
        accounts = {}
        for slug, name, language in ACCOUNTS:
            accounts[slug], _ = Account.objects.get_or_create(
                slug=slug, defaults={"name": name, "language": language}
            )
        roles = {}
        for slug, role_map in ROLES.items():
            for role_name, rights in role_map.items():
                roles[slug, role_name], _ = Role.objects.get_or_create(
                    account=accounts[slug], name=role_name, defaults={"rights": rights}
                )
        groups = {}
        for slug, names in GROUPS.items():
            for group_name in names:
                groups[slug, group_name], _ = Group.objects.get_or_create(
                    account=accounts[slug], name=group_name
                )
        moderate = Permission.objects.get(
            codename="moderate_apps", content_type__app_label="accounts"
        )
        for email, full_name, memberships, is_staff, is_superuser, is_moderator in PEOPLE:
            user = User.objects.filter(email=email).first() or User(email=email)
            user.full_name = full_name
            user.is_staff = is_staff
            user.is_superuser = is_superuser
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            if is_moderator:
                user.user_permissions.add(moderate)
            for slug, role_name, group_names, is_admin, is_developer in memberships:
                membership, _ = Membership.objects.get_or_create(
                    user=user,
                    account=accounts[slug],
                    defaults={
                        "role": roles.get((slug, role_name)),
                        "is_admin": is_admin,
                        "is_developer": is_developer,
                    },
                )
                membership.groups.add(*(groups[slug, g] for g in group_names))

        self._records(accounts)
        call_command("demo_catalog", force=True, stdout=self.stdout)
        call_command("demo_example_app", force=True, stdout=self.stdout)
        call_command("demo_connections", force=True, stdout=self.stdout)

        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in with:"))
        self.stdout.write(f"  password for everyone: {DEMO_PASSWORD}")
        for email, *_ in PEOPLE:
            self.stdout.write(f"  {email:<26} {WHAT[email]}")

    def _records(self, accounts: dict[str, Account]) -> None:
        made = sum(
            demo_records(account=accounts[slug], seed=seed, currency=currency)
            for slug, seed, currency in (("acme", 1, "USD"), ("globex", 2, "BRL"))
        )
        if made:
            self.stdout.write(f"Module data: {made} records in acme and globex.")
