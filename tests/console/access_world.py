"""One shared world for the console access matrix: the personas of tests/conftest.py and
one object of each kind a console page is about, built once per module.

The world is built inside a transaction the module never commits; every test runs in a
savepoint inside it (pytest-django's own), so a test's writes are rolled back and the
next test finds the world as it was built.
"""

import io
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.db import transaction

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Membership, User
from apps.accounts.services import invitation_create
from apps.catalog.models import App, AppVersion
from apps.catalog.services import (
    app_banner_add,
    app_list_in_catalog,
    app_listing_update,
    app_logo_set,
)
from apps.installations.models import Installation
from apps.installations.services import installation_access_set, installation_settings_save
from apps.jobs.kinds import DIAGNOSTIC
from apps.jobs.models import Job
from apps.moderation.services import review_claim
from console.records.pages import PAGES
from tests.apps.modules.records import create_payload, make_record
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    GroupFactory,
    MembershipFactory,
    RoleFactory,
    UserFactory,
    make_app,
    make_install_link,
    make_version,
)
from tests.factories.catalog import banner_file, logo_file
from tests.factories.installations import make_installation

PERSONAS = [
    "anonymous",
    "outsider",
    "other_developer",
    "member",
    "developer",
    "admin",
    "moderator",
    "staff",
]

# The installed app's settings: a file at each level, so both download routes have one.
# A generic connection: an API key (sensitive) and a region.
CONNECTION = {
    "type": "generic",
    "parameters": [
        {"key": "api_key", "label": "API key", "sensitive": True, "required": True},
        {"key": "region", "label": "Region"},
    ],
}
SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "letterhead", "level": "app", "type": "file", "label": "Letterhead"},
    {"key": "signature", "level": "user", "type": "text", "label": "My signature"},
    {"key": "avatar", "level": "user", "type": "file", "label": "Avatar"},
]


def upload(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


@dataclass
class World:
    account: Account
    other_account: Account
    users: dict[str, User]
    # the developer's app (acme, public, unlisted) and its versions by state
    app: App
    versions: dict[str, AppVersion]
    banner_id: int
    link_id: int
    link_token: str
    # Globex's Invoicer: listed in the catalog, installed on acme
    catalog_app: App
    installation: Installation
    job: Job
    api_key_id: int
    # the account's people: the Sales role (the member's), a spare role and group that
    # nothing uses, an open invitation and its link's token
    sales_role_id: int = 0
    spare_role_id: int = 0
    group_id: int = 0
    invitation_id: int = 0
    invitation_token: str = ""
    # one record of each model with console pages, in acme and in globex, by page slug;
    # and the create form's fields of each, by page slug (relations in acme)
    records: dict[str, int] = field(default_factory=dict)
    other_records: dict[str, int] = field(default_factory=dict)
    record_forms: dict[str, dict[str, Any]] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """The values a route's URL may name."""
        return {
            "code": self.app.code,
            "catalog_code": self.catalog_app.code,
            "installation_id": self.installation.pk,
            "member_id": self.users["member"].pk,
            "admin_id": self.users["admin"].pk,
            "banner_id": self.banner_id,
            "link_id": self.link_id,
            "token": self.link_token,
            "job_id": self.job.pk,
            "key_id": self.api_key_id,
            "submitted_id": self.versions["submitted"].pk,
            "claimed_id": self.versions["claimed"].pk,
            **{state: version.number for state, version in self.versions.items()},
            "app_id": self.app.pk,
            "sales_role_id": self.sales_role_id,
            "spare_role_id": self.spare_role_id,
            "group_id": self.group_id,
            "invitation_id": self.invitation_id,
            "invitation_token": self.invitation_token,
            **{f"{slug}_id": pk for slug, pk in self.records.items()},
            **{f"other_{slug}_id": pk for slug, pk in self.other_records.items()},
            "record_forms": self.record_forms,
        }


def build_world() -> World:
    account = AccountFactory(slug="acme", name="Acme Corp")
    other_account = AccountFactory(slug="globex", name="Globex")
    sales = RoleFactory(account=account, name="Sales", rights={"crm": "full", "task": "read"})
    admin = MembershipFactory(
        account=account, user=UserFactory(email="admin@acme.test"), is_admin=True
    ).user
    member = MembershipFactory(
        account=account, user=UserFactory(email="member@acme.test"), role=sales
    ).user
    developer = MembershipFactory(
        account=account, user=UserFactory(email="dev@acme.test"), is_developer=True
    ).user
    outsider = MembershipFactory(
        account=other_account, user=UserFactory(email="admin@globex.test"), is_admin=True
    ).user
    other_developer = MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user
    moderator = UserFactory(email="moderator@platform.test", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    staff = UserFactory(email="staff@platform.test", is_staff=True, is_superuser=True)

    # The developer's app: a version in every state a page acts on, a listing, a logo,
    # a banner and an install link; not listed in the catalog.
    app = make_app(account=account, name="Acme invoicer")
    versions = {
        "published": make_version(app=app, number="1.0.0", status="published"),
        "approved": make_version(app=app, number="1.1.0", status="approved"),
        "submitted": make_version(app=app, number="1.2.0", status="submitted"),
        "claimed": make_version(app=app, number="1.3.0", status="submitted"),
        "draft": make_version(app=app, number="1.4.0", status="draft"),
    }
    review_claim(version=versions["claimed"], actor=actor_for_user(user=moderator))
    app_listing_update(
        app=app, summary="Invoices.", description="Invoices from deals.", support_email="h@x.io"
    )
    app_logo_set(app=app, upload=logo_file())
    banner = app_banner_add(app=app, upload=banner_file())
    link, token = make_install_link(version=versions["published"])

    # Globex's Invoicer, listed in the catalog and installed on acme by its admin, with
    # a newer version to update to; the Sales role (the member's) may use it.
    catalog_app = make_app(account=other_account, name="Invoicer")
    v1 = make_version(
        app=catalog_app,
        number="1.0.0",
        status="published",
        settings=SETTINGS,
        connection=CONNECTION,
    )
    make_version(
        app=catalog_app,
        number="1.1.0",
        status="published",
        settings=SETTINGS,
        connection=CONNECTION,
    )
    app_listing_update(
        app=catalog_app, summary="Invoices.", description="Invoices.", support_email="h@x.io"
    )
    app_logo_set(app=catalog_app, upload=logo_file())
    app_banner_add(app=catalog_app, upload=banner_file())
    app_list_in_catalog(app=catalog_app)
    installation = make_installation(account=account, version=v1, by_user=admin)
    installation.refresh_from_db()
    admin_membership = Membership.objects.get(account=account, user=admin)
    installation_access_set(
        installation=installation,
        role_ids=[sales.pk],
        group_ids=[],
        actor=actor_for_user(user=admin, membership=admin_membership),
    )
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme"},
        files={"letterhead": upload("letterhead.pdf", b"%PDF-1.4 letterhead")},
        actor=actor_for_user(user=admin, membership=admin_membership),
    )
    installation_settings_save(
        installation=installation,
        level="user",
        user=member,
        values={"signature": "Best, M."},
        files={"avatar": upload("avatar.png", b"\x89PNG avatar")},
        actor=actor_for_user(
            user=member, membership=Membership.objects.get(account=account, user=member)
        ),
    )

    job = Job.objects.create(
        kind=DIAGNOSTIC,
        account=account,
        target="pipeline diagnostic",
        state=Job.State.FAILED,
        last_error="ValueError: boom",
        attempts=2,
    )
    key, _ = ApiKeyFactory(account=account, name="acme key", created_by=admin)
    spare_role = RoleFactory(account=account, name="Spare", rights={})
    group = GroupFactory(account=account, name="North")
    tokens: list[str] = []
    invitation = invitation_create(
        actor=actor_for_user(user=admin, membership=admin_membership),
        email="invited@person.test",
        link_for=lambda token: tokens.append(token) or token,
        role_id=sales.pk,
    )
    records, other_records, record_forms = {}, {}, {}
    for page in PAGES:
        records[page.slug] = make_record(page.model, account).pk
        other_records[page.slug] = make_record(page.model, other_account).pk
        form = create_payload(page.registration, account)
        form.pop("owner", None)
        record_forms[page.slug] = form
    return World(
        account=account,
        other_account=other_account,
        users={
            "outsider": outsider,
            "other_developer": other_developer,
            "member": member,
            "developer": developer,
            "admin": admin,
            "moderator": moderator,
            "staff": staff,
        },
        app=app,
        versions=versions,
        banner_id=banner.pk,
        link_id=link.pk,
        link_token=token,
        catalog_app=catalog_app,
        installation=installation,
        job=job,
        api_key_id=key.pk,
        sales_role_id=sales.pk,
        spare_role_id=spare_role.pk,
        group_id=group.pk,
        invitation_id=invitation.pk,
        invitation_token=tokens[0],
        records=records,
        other_records=other_records,
        record_forms=record_forms,
    )


def world_in_transaction(django_db_blocker):
    """Build the world in a transaction left open for the module, rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The project's own tables, and Django's that a page could write; sessions are left out
# (switching accounts and signing in write them, and nothing else).
_TABLES = (
    "accounts",
    "jobs",
    "catalog",
    "moderation",
    "installations",
    "oauth",
    "connections",
    "modules",
    "webhooks",
    "admin",
)


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table a console page could write, to compare before and after."""
    return {
        model._meta.label_lower: list(model._default_manager.order_by("pk").values_list())
        for model in django_apps.get_models()
        if model._meta.app_label in _TABLES
    }
