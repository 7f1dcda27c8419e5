"""Writes of installations: install, update, uninstall, access, settings and user consent.
Each refusal leaves the database as it was."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction

from apps.accounts.actors import actor_for_user, actor_system
from apps.accounts.models import Membership
from apps.core.crypto import decrypt
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    InstallationStatus,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.installations.services import (
    installation_access_set,
    installation_install,
    installation_settings_save,
    installation_uninstall,
    installation_update,
    user_authorization_record,
)
from tests.factories import AccountFactory, GroupFactory, MembershipFactory, RoleFactory
from tests.factories.accounts import acting_as
from tests.factories.catalog import make_app, make_install_link, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

HOOK = {
    "id": "invoice-updated",
    "event": "fin.invoices.updated",
    "url": "https://invoicer.example.com/hooks/invoices",
}
SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company", "required": True},
    {"key": "notes", "level": "app", "type": "text", "label": "Notes"},
    {"key": "days", "level": "app", "type": "number", "label": "Days", "default": 30},
    {"key": "enabled", "level": "app", "type": "boolean", "label": "Enabled"},
    {
        "key": "region",
        "level": "app",
        "type": "select",
        "label": "Region",
        "options": [{"value": "eu", "label": "Europe"}, {"value": "us", "label": "US"}],
    },
    {"key": "owner", "level": "app", "type": "reference", "label": "Owner", "model": "crm.account"},
    {"key": "api_key", "level": "app", "type": "secret", "label": "API key", "required": True},
    {"key": "contract", "level": "app", "type": "file", "label": "Contract"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
]


def admin_of(user, account):
    return Membership.objects.get(user=user, account=account)


@pytest.fixture
def vendor():
    return AccountFactory(slug="devstudio", name="Dev Studio")


@pytest.fixture
def app(vendor):
    return make_app(account=vendor)


@pytest.fixture
def version(app):
    return make_version(app=app, status="published", settings=SETTINGS)


@pytest.fixture
def installed(version, account, admin):
    return make_installation(account=account, version=version, by_user=admin)


# --- install --------------------------------------------------------------------------------


def test_install_grants_the_versions_scopes_and_registers_webhooks(version, account, admin):
    installation = installation_install(
        account=account,
        version=version,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    assert installation.status == InstallationStatus.ACTIVE
    assert installation.granted_scopes == ["crm.accounts:read", "fin.invoices:full"]
    assert installation.installed_by == admin
    hooks = list(WebhookSubscription.objects.filter(installation=installation))
    assert [(h.webhook_id, h.event, h.url) for h in hooks] == [
        (HOOK["id"], HOOK["event"], HOOK["url"])
    ]
    event = InstallationEvent.objects.get(installation=installation)
    assert event.kind == InstallationEvent.Kind.INSTALLED
    assert event.detail["webhooks"] == [HOOK["id"]]


@pytest.mark.parametrize("who", ["member", "outsider", "nobody"])
def test_only_an_admin_of_the_account_installs(request, version, account, who):
    membership = None
    if who != "nobody":
        user = request.getfixturevalue(who)
        membership = Membership.objects.filter(user=user).first()
    with pytest.raises(PermissionDenied):
        installation_install(
            account=account, version=version, actor=acting_as(actor_system(label="x"), membership)
        )
    assert not Installation.objects.exists()
    assert not WebhookSubscription.objects.exists()


def test_a_second_install_is_already_installed(installed, version, account, admin):
    with pytest.raises(Conflict) as refused:
        installation_install(
            account=account,
            version=version,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        )
    assert refused.value.code == "already_installed"
    assert Installation.objects.count() == 1
    assert InstallationEvent.objects.count() == 1


def test_a_private_app_is_refused_outside_its_account_without_a_link(vendor, account, admin):
    private = make_app(account=vendor, name="Private", type="private")
    version = make_version(app=private, status="published")
    with pytest.raises(Conflict) as refused:
        installation_install(
            account=account,
            version=version,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        )
    assert refused.value.code == "private_app"
    assert not Installation.objects.exists()


def test_a_link_installs_its_exact_version(vendor, account, admin):
    private = make_app(account=vendor, name="Private", type="private")
    make_version(app=private, number="1.0.0", status="published")
    beta = make_version(app=private, number="2.0.0", status="draft")
    link, _raw = make_install_link(version=beta)
    installation = installation_install(
        account=account,
        version=beta,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        install_link=link,
    )
    assert installation.version == beta
    assert installation.install_link == link


def test_a_link_for_another_version_does_not_open_a_private_app(vendor, account, admin):
    private = make_app(account=vendor, name="Private", type="private")
    published = make_version(app=private, number="1.0.0", status="published")
    beta = make_version(app=private, number="2.0.0", status="draft")
    link, _raw = make_install_link(version=beta)
    with pytest.raises(Conflict) as refused:
        installation_install(
            account=account,
            version=published,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
            install_link=link,
        )
    assert refused.value.code == "private_app"
    assert not Installation.objects.exists()


def test_the_developers_own_account_installs_a_draft(vendor, app):
    draft = make_version(app=app, status="draft")
    owner = MembershipFactory(account=vendor, is_admin=True)
    installation = installation_install(
        account=vendor, version=draft, actor=actor_for_user(user=owner.user, membership=owner)
    )
    assert installation.version == draft


# --- update ---------------------------------------------------------------------------------


def _update(installed, version, admin, account, consent=False):
    return installation_update(
        installation=installed,
        version=version,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        consent=consent,
    )


def test_update_growing_scopes_needs_consent(installed, app, admin, account):
    grown = make_version(
        app=app,
        number="1.1.0",
        status="published",
        settings=SETTINGS,
        scopes=[
            {"code": "crm.accounts", "level": "full", "reason": "Edits customers."},
            {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
        ],
    )
    with pytest.raises(Conflict) as refused:
        _update(installed, grown, admin, account)
    assert refused.value.code == "consent_required"
    assert refused.value.extra["new_scopes"] == ["crm.accounts:full"]
    installed.refresh_from_db()
    assert installed.version.number == "1.0.0"
    assert installed.scopes_revision == 1

    updated = _update(installed, grown, admin, account, consent=True)
    assert updated.version == grown
    assert updated.granted_scopes == ["crm.accounts:full", "fin.invoices:full"]
    assert updated.scopes_revision == 2


def test_update_narrowing_applies_without_consent(installed, app, admin, account):
    narrower = make_version(
        app=app,
        number="1.1.0",
        status="published",
        settings=SETTINGS,
        webhooks=[],
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Shows customers."}],
    )
    updated = _update(installed, narrower, admin, account)
    assert updated.granted_scopes == ["crm.accounts:read"]
    event = InstallationEvent.objects.filter(kind=InstallationEvent.Kind.UPDATED).get()
    assert event.detail["scopes_removed"] == ["fin.invoices:full"]


def test_update_moves_webhooks_by_id_and_keeps_settings_and_access(
    installed, app, admin, account, sales_role
):
    membership = admin_of(admin, account)
    installation_access_set(
        installation=installed,
        role_ids=[sale_role_id(sales_role)],
        group_ids=[],
        actor=actor_for_user(user=admin, membership=membership),
    )
    installation_settings_save(
        installation=installed,
        level="app",
        user=None,
        values={"company_name": "Acme", "api_key": "k-123"},
        actor=actor_for_user(user=admin, membership=membership),
    )
    WebhookSubscription.objects.create(
        installation=installed,
        webhook_id="gone",
        event="fin.invoices.created",
        url="https://invoicer.example.com/hooks/gone",
    )
    moved = make_version(
        app=app,
        number="2.0.0",
        status="published",
        settings=SETTINGS,
        webhooks=[
            {**HOOK, "url": "https://invoicer.example.com/hooks/v2"},
            {
                "id": "invoice-created",
                "event": "fin.invoices.created",
                "url": "https://invoicer.example.com/hooks/created",
            },
        ],
    )
    _update(installed, moved, admin, account)

    hooks = {
        h.webhook_id: h.url for h in WebhookSubscription.objects.filter(installation=installed)
    }
    assert hooks == {
        "invoice-created": "https://invoicer.example.com/hooks/created",
        "invoice-updated": "https://invoicer.example.com/hooks/v2",
    }
    event = InstallationEvent.objects.filter(kind=InstallationEvent.Kind.UPDATED).get()
    assert event.detail["webhooks"] == {
        "added": ["invoice-created"],
        "removed": ["gone"],
        "changed": ["invoice-updated"],
    }
    assert set(SettingValue.objects.values_list("key", flat=True)) == {"company_name", "api_key"}
    assert list(InstallationAccess.objects.values_list("role_id", flat=True)) == [sales_role.pk]


def sale_role_id(role):
    return role.pk


def test_update_to_an_older_or_the_same_version_is_refused(installed, app, admin, account, version):
    with pytest.raises(Conflict) as same:
        _update(installed, version, admin, account)
    assert same.value.code == "already_on_version"
    older = make_version(app=app, number="1.1.0", status="published", settings=SETTINGS)
    newer = make_version(app=app, number="1.2.0", status="published", settings=SETTINGS)
    _update(installed, newer, admin, account)
    with pytest.raises(ValidationFailed) as refused:
        _update(installed, older, admin, account)
    assert "version" in refused.value.fields
    installed.refresh_from_db()
    assert installed.version == newer


def test_a_required_file_must_be_uploaded(app, account, admin):
    version = make_version(
        app=app,
        number="1.1.0",
        status="published",
        settings=[
            {"key": "contract", "level": "app", "type": "file", "label": "C", "required": True}
        ],
    )
    installed = installation_install(
        account=account,
        version=version,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    with pytest.raises(ValidationFailed) as refused:
        _save(installed, admin, account, values={})
    assert refused.value.fields == {"contract": ["This setting is required; upload a file."]}
    _save(installed, admin, account, files={"contract": upload()})
    _save(installed, admin, account, values={})  # stored: nothing more to ask
    assert SettingValue.objects.filter(key="contract").exists()


def test_update_by_a_member_is_refused(installed, app, member, account):
    newer = make_version(app=app, number="1.1.0", status="published", settings=SETTINGS)
    with pytest.raises(PermissionDenied):
        installation_update(
            installation=installed,
            version=newer,
            actor=actor_for_user(user=member, membership=Membership.objects.get(user=member)),
            consent=True,
        )
    installed.refresh_from_db()
    assert installed.version.number == "1.0.0"


# --- uninstall ------------------------------------------------------------------------------


def test_uninstall_marks_uninstalling_once(installed, admin, account):
    done = installation_uninstall(
        installation=installed,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    assert done.status == InstallationStatus.UNINSTALLING
    assert done.uninstall_requested_by == admin
    assert done.uninstall_requested_at is not None
    with pytest.raises(Conflict) as again:
        installation_uninstall(
            installation=installed,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        )
    assert again.value.code == "not_active"
    assert (
        InstallationEvent.objects.filter(kind=InstallationEvent.Kind.UNINSTALL_REQUESTED).count()
        == 1
    )


def test_a_stale_copy_cannot_uninstall_twice(installed, admin, account):
    stale = Installation.objects.get(pk=installed.pk)
    installation_uninstall(
        installation=installed,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    with pytest.raises(Conflict):
        installation_uninstall(
            installation=stale,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        )


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_uninstall_by_others_is_refused(request, installed, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        installation_uninstall(
            installation=installed,
            actor=actor_for_user(
                user=user, membership=Membership.objects.filter(user=user).first()
            ),
        )
    installed.refresh_from_db()
    assert installed.status == InstallationStatus.ACTIVE


def test_after_uninstall_a_new_install_is_possible(installed, version, admin, account):
    installation_uninstall(
        installation=installed,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    again = installation_install(
        account=account,
        version=version,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    assert again.pk != installed.pk
    with pytest.raises(Conflict):
        installation_access_set(
            installation=installed,
            role_ids=[],
            group_ids=[],
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
        )


# --- access ---------------------------------------------------------------------------------


def test_access_set_roles_and_groups(installed, admin, account, sales_role):
    group = GroupFactory(account=account, name="Finance")
    installation_access_set(
        installation=installed,
        role_ids=[sales_role.pk],
        group_ids=[str(group.pk)],
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    rules = InstallationAccess.objects.filter(installation=installed)
    assert {(r.role_id, r.group_id) for r in rules} == {(sales_role.pk, None), (None, group.pk)}
    event = InstallationEvent.objects.get(kind=InstallationEvent.Kind.ACCESS_CHANGED)
    assert event.detail["after"] == {"roles": ["Sales"], "groups": ["Finance"]}


@pytest.mark.parametrize(
    ("field", "kind"), [("roles", "foreign"), ("groups", "foreign"), ("roles", "garbage")]
)
def test_access_set_refuses_ids_outside_the_account_naming_the_field(
    installed, admin, account, other_account, sales_role, field, kind
):
    installation_access_set(
        installation=installed,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )
    foreign_role = RoleFactory(account=other_account)
    foreign_group = GroupFactory(account=other_account)
    bad = (
        "abc" if kind == "garbage" else (foreign_role.pk if field == "roles" else foreign_group.pk)
    )
    kwargs = {"role_ids": [sales_role.pk], "group_ids": []}
    kwargs["role_ids" if field == "roles" else "group_ids"] = [bad]
    with pytest.raises(ValidationFailed) as refused:
        installation_access_set(
            installation=installed,
            actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
            **kwargs,
        )
    assert list(refused.value.fields) == [field]
    assert list(InstallationAccess.objects.values_list("role_id", flat=True)) == [sales_role.pk]


def test_access_set_by_a_member_is_refused(installed, member, sales_role):
    with pytest.raises(PermissionDenied):
        installation_access_set(
            installation=installed,
            role_ids=[sales_role.pk],
            group_ids=[],
            actor=actor_for_user(user=member, membership=Membership.objects.get(user=member)),
        )
    assert not InstallationAccess.objects.exists()


# --- settings -------------------------------------------------------------------------------


def _save(installed, admin, account, values=None, files=None, clear=(), level="app", user=None):
    return installation_settings_save(
        installation=installed,
        level=level,
        user=user,
        values=values or {},
        files=files,
        clear=clear,
        actor=actor_for_user(user=admin, membership=admin_of(admin, account)),
    )


def upload(name="contract.pdf", content=b"%PDF-1.4 test"):
    buffer = io.BytesIO(content)
    buffer.name = name
    buffer.size = len(content)
    return buffer


def test_settings_save_every_type(installed, admin, account):
    from apps.modules.models import CrmAccount

    customer = CrmAccount.objects.create(account=account, name="Initech")
    _save(
        installed,
        admin,
        account,
        values={
            "company_name": " Acme ",
            "notes": "a\r\nb",
            "days": "7",
            "enabled": "true",
            "region": "eu",
            "owner": str(customer.pk),
            "api_key": "a-very-long-secret-1234",
        },
    )
    stored = {v.key: v for v in SettingValue.objects.filter(installation=installed)}
    assert {k: v.value for k, v in stored.items()} == {
        "company_name": "Acme",
        "notes": "a\nb",
        "days": 7,
        "enabled": True,
        "region": "eu",
        "owner": customer.pk,
        "api_key": None,
    }
    secret = stored["api_key"]
    assert secret.secret != "a-very-long-secret-1234"
    assert "a-very-long-secret" not in secret.secret
    assert decrypt(secret.secret) == "a-very-long-secret-1234"
    assert secret.secret_hint == "1234"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM installations_settingvalue WHERE id = %s", [secret.pk])
        (raw,) = cursor.fetchone()
    assert raw == secret.secret and "a-very-long-secret" not in raw


def test_settings_save_reports_every_problem_by_key_and_writes_nothing(installed, admin, account):
    with pytest.raises(ValidationFailed) as refused:
        _save(
            installed,
            admin,
            account,
            values={
                "days": "many",
                "region": "asia",
                "unknown": "x",
                "contract": "x.pdf",
                "signature": "me",
            },
            files={"notes": upload()},
        )
    fields = refused.value.fields
    assert set(fields) == {
        "days",
        "region",
        "unknown",
        "contract",
        "signature",
        "notes",
        "company_name",
        "api_key",
    }
    assert fields["company_name"] == ["This setting is required."]
    assert fields["api_key"] == ["This setting is required."]
    assert not SettingValue.objects.exists()
    assert not InstallationEvent.objects.filter(kind="settings_changed").exists()


def test_an_empty_secret_keeps_the_stored_one(installed, admin, account):
    _save(installed, admin, account, values={"company_name": "Acme", "api_key": "first-secret"})
    before = SettingValue.objects.get(key="api_key").secret
    _save(installed, admin, account, values={"api_key": "", "company_name": "Acme 2"})
    row = SettingValue.objects.get(key="api_key")
    assert row.secret == before
    assert decrypt(row.secret) == "first-secret"
    _save(installed, admin, account, values={"api_key": "second-secret"})
    assert decrypt(SettingValue.objects.get(key="api_key").secret) == "second-secret"


def test_settings_files_are_checked_and_replaced_after_commit(
    installed, admin, account, django_capture_on_commit_callbacks
):
    base = {"company_name": "Acme", "api_key": "k"}
    for bad, message in [
        (upload("tool.exe"), "Upload one of these file types"),
        (upload("empty.pdf", b""), "The file is empty."),
        (upload("big.pdf", b"x" * (5 * 1024 * 1024 + 1)), "upload at most 5 MB"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            _save(installed, admin, account, values=base, files={"contract": bad})
        assert message in refused.value.fields["contract"][0]
    assert not SettingValue.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _save(installed, admin, account, values=base, files={"contract": upload()})
    first = SettingValue.objects.get(key="contract")
    first_name = first.file.name
    assert first.file_name == "contract.pdf"
    assert first.file_size == len(b"%PDF-1.4 test")
    assert default_storage.exists(first_name)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _save(installed, admin, account, files={"contract": upload("v2.pdf", b"%PDF v2")})
    # the old file is still there until the transaction commits
    assert default_storage.exists(first_name)
    for callback in callbacks:
        callback()
    assert not default_storage.exists(first_name)
    second = SettingValue.objects.get(key="contract")
    assert second.file_name == "v2.pdf"
    assert default_storage.exists(second.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        _save(installed, admin, account, clear=["contract"])
    assert not SettingValue.objects.filter(key="contract").exists()
    assert not default_storage.exists(second.file.name)


def test_a_failed_save_keeps_the_old_file(
    installed, admin, account, django_capture_on_commit_callbacks
):
    base = {"company_name": "Acme", "api_key": "k"}
    with django_capture_on_commit_callbacks(execute=True):
        _save(installed, admin, account, values=base, files={"contract": upload()})
    name = SettingValue.objects.get(key="contract").file.name
    with pytest.raises(ValidationFailed), django_capture_on_commit_callbacks(execute=True):
        _save(
            installed,
            admin,
            account,
            values={"days": "x"},
            files={"contract": upload("v2.pdf", b"%PDF v2")},
        )
    assert SettingValue.objects.get(key="contract").file.name == name
    assert default_storage.exists(name)


def test_user_level_settings_are_per_user(installed, admin, member, account):
    membership = Membership.objects.get(user=member)
    installation_settings_save(
        installation=installed,
        level="user",
        user=member,
        values={"signature": "M."},
        actor=actor_for_user(user=member, membership=membership),
    )
    _save(installed, admin, account, level="user", user=admin, values={"signature": "A."})
    values = dict(SettingValue.objects.values_list("user__email", "value"))
    assert values == {"member@acme.test": "M.", "admin@acme.test": "A."}
    with pytest.raises(PermissionDenied):
        installation_settings_save(
            installation=installed,
            level="user",
            user=admin,
            values={"signature": "hijack"},
            actor=actor_for_user(user=member, membership=membership),
        )
    with pytest.raises(PermissionDenied):
        installation_settings_save(
            installation=installed,
            level="app",
            user=None,
            values={"company_name": "x"},
            actor=actor_for_user(user=member, membership=membership),
        )
    assert SettingValue.objects.get(user=admin).value == "A."


def test_settings_of_an_outsider_are_not_found(installed, outsider):
    with pytest.raises(NotFound):
        installation_settings_save(
            installation=installed,
            level="app",
            user=None,
            values={"company_name": "x"},
            actor=actor_for_user(user=outsider, membership=Membership.objects.get(user=outsider)),
        )
    assert not SettingValue.objects.exists()


# --- user authorization ---------------------------------------------------------------------


def test_user_authorization_record_widens_never_narrows(installed, member):
    first = user_authorization_record(
        installation=installed,
        user=member,
        scopes=["crm.accounts:read"],
        actor=actor_for_user(user=member),
    )
    assert first.scopes == ["crm.accounts:read"]
    user_authorization_record(
        installation=installed,
        user=member,
        scopes=["fin.invoices:full"],
        actor=actor_for_user(user=member),
    )
    user_authorization_record(
        installation=installed,
        user=member,
        scopes=["crm.accounts:read"],
        actor=actor_for_user(user=member),
    )
    record = UserAuthorization.objects.get()
    assert record.scopes == ["crm.accounts:read", "fin.invoices:full"]
    assert InstallationEvent.objects.filter(kind="user_authorized").count() == 3


# --- the one-live-installation index --------------------------------------------------------


def test_one_active_installation_per_account_and_app(installed, version, account, admin):
    """The partial unique index, on SQLite and on PostgreSQL alike."""
    duplicate = dict(
        account=account, app=version.app, version=version, installed_at=installed.installed_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Installation.objects.create(**duplicate)
    Installation.objects.create(**duplicate, status=InstallationStatus.UNINSTALLING)
    Installation.objects.create(**duplicate, status=InstallationStatus.UNINSTALLING)
    assert Installation.objects.filter(account=account).count() == 3
    installed.status = InstallationStatus.UNINSTALLING
    installed.save(update_fields=["status"])
    Installation.objects.create(**duplicate)
    assert Installation.objects.filter(status=InstallationStatus.ACTIVE).count() == 1


# --- removing a stored secret ---------------------------------------------------------------


def test_clear_of_a_required_secret_is_refused(installed, admin, account):
    from apps.installations.models import SettingValue

    _save(installed, admin, account, values={"company_name": "Acme", "api_key": "k" * 24})
    before = SettingValue.objects.get(installation=installed, key="api_key").secret

    with pytest.raises(ValidationFailed) as refused:
        _save(installed, admin, account, clear=["api_key"])

    assert "enter a new secret instead" in refused.value.fields["api_key"][0]
    assert SettingValue.objects.get(installation=installed, key="api_key").secret == before


def test_clear_and_a_new_secret_together_are_refused(installed, admin, account):
    from apps.installations.models import SettingValue

    _save(installed, admin, account, values={"company_name": "Acme", "api_key": "k" * 24})
    before = SettingValue.objects.get(installation=installed, key="api_key").secret

    with pytest.raises(ValidationFailed) as refused:
        _save(installed, admin, account, values={"api_key": "x" * 24}, clear=["api_key"])

    assert "not both" in refused.value.fields["api_key"][0]
    assert SettingValue.objects.get(installation=installed, key="api_key").secret == before


def test_clear_on_a_plain_setting_is_refused(installed, admin, account):
    with pytest.raises(ValidationFailed) as refused:
        _save(installed, admin, account, values={"company_name": "Acme"}, clear=["notes"])
    assert "Empty the field" in refused.value.fields["notes"][0]
