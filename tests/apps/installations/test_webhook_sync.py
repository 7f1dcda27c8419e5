"""What an update does to an installation's webhook subscriptions, settings, access and
embeddings, by an admin (``installation_update``) and by a rollout
(``installation_rollout``): subscriptions follow the new manifest by webhook id, exactly as
``manifest_diff`` reports it; everything the account configured stays."""

import io

import pytest
from django.core.files.storage import default_storage

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.catalog.manifests.diff import manifest_diff
from apps.catalog.selectors import version_manifest
from apps.core.crypto import decrypt
from apps.installations.models import (
    InstallationAccess,
    InstallationEvent,
    SettingValue,
    WebhookSubscription,
)
from apps.installations.selectors import embedding_list_for_member
from apps.installations.services import (
    RolloutOutcome,
    installation_access_set,
    installation_rollout,
    installation_settings_save,
    installation_update,
)
from tests.factories import AccountFactory, GroupFactory
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

BASE = "https://invoicer.example.com/hooks"


def hook(webhook_id: str, event: str = "fin.invoices.updated", path: str = "") -> dict:
    return {"id": webhook_id, "event": event, "url": f"{BASE}/{path or webhook_id}"}


SETTINGS = [
    {"key": "company_name", "level": "app", "type": "string", "label": "Company name"},
    {"key": "api_token", "level": "app", "type": "secret", "label": "API token"},
    {"key": "letterhead", "level": "app", "type": "file", "label": "Letterhead"},
    {"key": "signature", "level": "user", "type": "string", "label": "Signature"},
]
MENU = {
    "id": "menu",
    "location": "main_menu",
    "code": "app.home",
    "url": "https://invoicer.example.com/embed/home",
    "title": "Invoicer",
}
WIDGET = {
    "id": "widget",
    "location": "dashboard.widget",
    "code": "app.widget",
    "url": "https://invoicer.example.com/embed/widget",
    "title": "Open invoices",
}
SETTINGS_PAGE = {
    "id": "setup",
    "location": "settings.page",
    "code": "app.setup",
    "url": "https://invoicer.example.com/embed/setup",
    "title": "Invoicer setup",
}
SECRET = "sk_live_0123456789abcdefWXYZ"


@pytest.fixture
def app():
    return make_app(account=AccountFactory(slug="devstudio", name="Dev Studio"))


@pytest.fixture
def admin_membership(account, admin):
    return Membership.objects.get(account=account, user=admin)


def _version(app, number: str, webhooks: list[dict], embeddings=(MENU, WIDGET)):
    return make_version(
        app=app,
        number=number,
        status="published",
        webhooks=webhooks,
        embeddings=list(embeddings),
        settings=SETTINGS,
    )


def _install(app, account, admin, webhooks: list[dict]):
    version = _version(app, "1.0.0", webhooks)
    return make_installation(account=account, version=version, by_user=admin)


def _by_admin(installation, version, admin, membership) -> None:
    installation_update(
        installation=installation,
        version=version,
        actor=actor_for_user(user=admin, membership=membership),
        consent=False,
    )


def _by_rollout(installation, version, admin, membership) -> None:
    assert installation_rollout(installation_id=installation.pk, version=version) == (
        RolloutOutcome.UPDATED
    )


@pytest.fixture(params=[_by_admin, _by_rollout], ids=["admin_update", "rollout"])
def update(request, admin, admin_membership):
    """Move an installation to a version, as an admin or as the rollout does."""

    def run(installation, version):
        request.param(installation, version, admin, admin_membership)
        installation.refresh_from_db()
        return installation

    return run


def _rows(installation) -> dict[str, tuple]:
    return {
        s.webhook_id: (s.pk, s.event, s.url, s.updated_at)
        for s in WebhookSubscription.objects.filter(installation=installation)
    }


def _expected(old, new) -> dict[str, list[str]]:
    """What ``manifest_diff`` says about webhooks between the two versions, by id."""
    diff = manifest_diff(version_manifest(old), version_manifest(new)).webhooks
    return {
        "added": [w.id for w in diff.added],
        "removed": [w.id for w in diff.removed],
        "changed": [c.key for c in diff.changed],
    }


def _updated_event(installation) -> InstallationEvent:
    return InstallationEvent.objects.get(
        installation=installation, kind=InstallationEvent.Kind.UPDATED
    )


def _check_against_manifest(installation, version) -> None:
    wanted = {w.id: (w.event, w.url) for w in version_manifest(version).webhooks}
    assert {k: (v[1], v[2]) for k, v in _rows(installation).items()} == wanted


def test_a_removed_webhook_is_unsubscribed(update, app, account, admin):
    installation = _install(app, account, admin, [hook("kept"), hook("gone", path="g")])
    old, before = installation.version, _rows(installation)
    new = _version(app, "1.1.0", [hook("kept")])

    update(installation, new)

    assert _rows(installation) == {"kept": before["kept"]}
    assert not WebhookSubscription.objects.filter(pk=before["gone"][0]).exists()
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": [],
            "removed": ["gone"],
            "changed": [],
        }
    )


def test_an_added_webhook_is_subscribed(update, app, account, admin):
    installation = _install(app, account, admin, [hook("kept")])
    old, before = installation.version, _rows(installation)
    new = _version(app, "1.1.0", [hook("kept"), hook("created", "fin.invoices.created")])

    update(installation, new)

    rows = _rows(installation)
    assert rows["kept"] == before["kept"]
    assert rows["created"][1:3] == ("fin.invoices.created", f"{BASE}/created")
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": ["created"],
            "removed": [],
            "changed": [],
        }
    )


@pytest.mark.parametrize(
    "changed",
    [hook("main", path="v2/main"), hook("main", event="fin.invoices.deleted")],
    ids=["url", "event"],
)
def test_a_changed_webhook_is_updated_in_place(update, app, account, admin, changed):
    installation = _install(app, account, admin, [hook("main")])
    old, before = installation.version, _rows(installation)
    new = _version(app, "1.1.0", [changed])

    update(installation, new)

    rows = _rows(installation)
    assert rows["main"][0] == before["main"][0]
    assert rows["main"][1:3] == (changed["event"], changed["url"])
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": [],
            "removed": [],
            "changed": ["main"],
        }
    )


def test_an_unchanged_webhook_is_left_untouched(update, app, account, admin):
    installation = _install(app, account, admin, [hook("main")])
    old, before = installation.version, _rows(installation)
    new = _version(app, "1.1.0", [hook("main")])

    update(installation, new)

    assert _rows(installation) == before
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": [],
            "removed": [],
            "changed": [],
        }
    )


def test_a_renamed_webhook_is_removed_and_added(update, app, account, admin):
    installation = _install(app, account, admin, [hook("old-name", path="same")])
    old, before = installation.version, _rows(installation)
    new = _version(app, "1.1.0", [hook("new-name", path="same")])

    update(installation, new)

    rows = _rows(installation)
    assert set(rows) == {"new-name"}
    assert rows["new-name"][0] != before["old-name"][0]
    assert rows["new-name"][1:3] == before["old-name"][1:3]
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": ["new-name"],
            "removed": ["old-name"],
            "changed": [],
        }
    )


def test_every_kind_of_change_at_once(update, app, account, admin):
    installation = _install(
        app,
        account,
        admin,
        [
            hook("same"),
            hook("gone", "fin.invoices.created"),
            hook("moved", "fin.items.updated"),
            hook("retargeted", "fin.items.created"),
            hook("renamed", "fin.items.deleted"),
        ],
    )
    old, before = installation.version, _rows(installation)
    new = _version(
        app,
        "2.0.0",
        [
            hook("same"),
            hook("moved", "fin.items.updated", path="v2/moved"),
            hook("retargeted", "fin.invoices.deleted"),
            hook("renamed-v2", "fin.items.deleted", path="renamed"),
            hook("brand-new", "fin.itemsrelation.created"),
        ],
    )

    update(installation, new)

    rows = _rows(installation)
    assert rows["same"] == before["same"]
    assert rows["moved"][0] == before["moved"][0]
    assert rows["retargeted"][0] == before["retargeted"][0]
    assert rows["renamed-v2"][0] != before["renamed"][0]
    _check_against_manifest(installation, new)
    assert (
        _updated_event(installation).detail["webhooks"]
        == _expected(old, new)
        == {
            "added": ["brand-new", "renamed-v2"],
            "removed": ["gone", "renamed"],
            "changed": ["moved", "retargeted"],
        }
    )


def test_running_the_sync_again_changes_nothing(app, account, admin, admin_membership):
    """A rollout that meets an installation already moved leaves its rows alone."""
    installation = _install(app, account, admin, [hook("main"), hook("gone", path="g")])
    new = _version(app, "1.1.0", [hook("main", path="v2")])
    _by_rollout(installation, new, admin, admin_membership)
    after = _rows(installation)

    outcome = installation_rollout(installation_id=installation.pk, version=new)

    assert outcome == RolloutOutcome.SKIPPED
    assert _rows(installation) == after
    assert InstallationEvent.objects.filter(kind=InstallationEvent.Kind.UPDATED).count() == 1


def test_settings_files_and_access_are_kept(
    update, app, account, admin, admin_membership, member, sales_role
):
    installation = _install(app, account, admin, [hook("main")])
    group = GroupFactory(account=account, name="Finance")
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[group.pk],
        actor=actor_for_user(user=admin, membership=admin_membership),
    )
    letterhead = io.BytesIO(b"%PDF-1.4 letterhead")
    letterhead.name = "letterhead.pdf"
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"company_name": "Acme", "api_token": SECRET},
        files={"letterhead": letterhead},
        actor=actor_for_user(user=admin, membership=admin_membership),
    )
    installation_settings_save(
        installation=installation,
        level="user",
        user=member,
        values={"signature": "Best, M."},
        actor=actor_for_user(
            user=member, membership=Membership.objects.get(account=account, user=member)
        ),
    )
    settings_before = list(
        SettingValue.objects.filter(installation=installation)
        .order_by("pk")
        .values_list("pk", "key", "user_id", "value", "secret", "file", "updated_at")
    )
    access_before = list(
        InstallationAccess.objects.filter(installation=installation)
        .order_by("pk")
        .values_list("pk", "role_id", "group_id")
    )
    new = _version(app, "1.1.0", [hook("main", path="v2")])

    update(installation, new)

    assert installation.version == new
    assert (
        list(
            SettingValue.objects.filter(installation=installation)
            .order_by("pk")
            .values_list("pk", "key", "user_id", "value", "secret", "file", "updated_at")
        )
        == settings_before
    )
    stored = {v.key: v for v in SettingValue.objects.filter(installation=installation)}
    assert decrypt(stored["api_token"].secret) == SECRET
    assert default_storage.exists(stored["letterhead"].file.name)
    with default_storage.open(stored["letterhead"].file.name) as handle:
        assert handle.read() == b"%PDF-1.4 letterhead"
    assert (
        list(
            InstallationAccess.objects.filter(installation=installation)
            .order_by("pk")
            .values_list("pk", "role_id", "group_id")
        )
        == access_before
    )


def test_embeddings_follow_the_new_manifest(update, app, account, admin, admin_membership):
    installation = _install(app, account, admin, [hook("main")])
    other = make_installation(
        account=account,
        version=make_version(
            app=make_app(account=app.account, name="Timesheets"),
            status="published",
            embeddings=[{**MENU, "url": "https://timesheets.example.com/embed", "title": "Hours"}],
        ),
        by_user=admin,
    )
    listed = {
        (e.installation_id, e.id) for e in embedding_list_for_member(membership=admin_membership)
    }
    assert listed == {(installation.pk, "menu"), (installation.pk, "widget"), (other.pk, "menu")}
    new = _version(app, "1.1.0", [hook("main")], embeddings=[MENU, SETTINGS_PAGE])

    update(installation, new)

    shown = {
        (e.installation_id, e.id): (e.location, e.version)
        for e in embedding_list_for_member(membership=admin_membership)
    }
    assert shown == {
        (installation.pk, "menu"): ("main_menu", "1.1.0"),
        (installation.pk, "setup"): ("settings.page", "1.1.0"),
        (other.pk, "menu"): ("main_menu", "1.0.0"),
    }


def test_a_member_sees_the_new_embeddings_too(update, app, account, admin, member, sales_role):
    installation = _install(app, account, admin, [hook("main")])
    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(account=account, user=admin)
        ),
    )
    membership = Membership.objects.get(account=account, user=member)
    new = _version(app, "1.1.0", [hook("main")], embeddings=[SETTINGS_PAGE])

    update(installation, new)

    assert [(e.id, e.location) for e in embedding_list_for_member(membership=membership)] == [
        ("setup", "settings.page")
    ]


def test_another_accounts_installation_keeps_its_subscriptions(update, app, account, admin):
    installation = _install(app, account, admin, [hook("main"), hook("gone", path="g")])
    elsewhere = AccountFactory(slug="initech", name="Initech")
    theirs = make_installation(account=elsewhere, version=installation.version)
    theirs_before = _rows(theirs)
    new = _version(app, "1.1.0", [hook("main", path="v2")])

    update(installation, new)

    assert _rows(theirs) == theirs_before
    theirs.refresh_from_db()
    assert theirs.version.number == "1.0.0"
