import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Account, Group, Membership, Role, User
from apps.accounts.selectors import user_is_moderator
from apps.catalog.models import App, AppBanner, AppVersion, VersionEvent
from apps.catalog.selectors import (
    catalog_app_list,
    version_diff,
    version_last_published,
    version_list_in_moderation,
)
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.moderation.models import Review
from apps.moderation.selectors import review_queue
from apps.oauth.models import Application


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def notes_backend_file(tmp_path, monkeypatch):
    path = tmp_path / "notes-sync.json"
    monkeypatch.setenv("NOTES_BACKEND_CONFIG", str(path))
    return path


def _counts():
    return tuple(
        m.objects.count()
        for m in (
            Account,
            User,
            Membership,
            Role,
            Group,
            App,
            Application,
            AppVersion,
            VersionEvent,
            AppBanner,
        )
    )


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


@pytest.mark.django_db
def test_demo_apps_are_created_once_and_printed(capsys, media):
    call_command("demo", force=True)
    files = sorted(p.name for p in media.rglob("*") if p.is_file())
    versions = list(AppVersion.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    call_command("demo", force=True)

    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == files
    assert len(files) == 2  # Invoicer's logo and banner
    assert list(AppVersion.objects.order_by("pk").values_list("pk", "status", "updated_at")) == (
        versions
    )
    out = capsys.readouterr().out
    assert "Invoicer          public, listed: 1.0.0 published, 1.1.0 waiting in the" in out
    assert "Team Timesheets   private: 1.0.0 published" in out
    assert "Helpdesk Bridge   public: 1.0.0 draft, ready to submit" in out
    assert "Invoicer          exists, left as it is" in out


@pytest.mark.django_db
def test_demo_apps_belong_to_devstudio_in_the_states_the_journeys_need():
    call_command("demo", force=True)

    apps = {
        app.name: app
        for app in App.objects.filter(account__slug="devstudio").prefetch_related("versions")
    }
    assert set(apps) == {
        "Invoicer",
        "Team Timesheets",
        "Helpdesk Bridge",
        "Example Connector",
        "Notes Sync",
        "Weather Now",
    }
    assert {name: (a.type, a.status) for name, a in apps.items()} == {
        "Invoicer": ("public", "active"),
        "Team Timesheets": ("private", "active"),
        "Helpdesk Bridge": ("public", "active"),
        "Example Connector": ("public", "active"),
        "Notes Sync": ("public", "active"),
        "Weather Now": ("public", "active"),
    }
    assert {
        name: sorted((v.number, v.status) for v in a.versions.all()) for name, a in apps.items()
    } == {
        "Invoicer": [("1.0.0", "published"), ("1.1.0", "submitted")],
        "Team Timesheets": [("1.0.0", "published")],
        "Helpdesk Bridge": [("1.0.0", "draft")],
        "Example Connector": [("1.0.0", "published"), ("1.1.0", "approved")],
        "Notes Sync": [("1.0.0", "published")],
        "Weather Now": [("1.0.0", "published")],
    }
    assert all(a.created_by.email == "dev@devstudio.test" for a in apps.values())


@pytest.mark.django_db
def test_the_catalog_shows_invoicer_with_its_listing():
    call_command("demo", force=True)

    assert [(a.name, a.published_number) for a in catalog_app_list()] == [
        ("Example Connector", "1.0.0"),
        ("Invoicer", "1.0.0"),
        ("Notes Sync", "1.0.0"),
        ("Weather Now", "1.0.0"),
    ]
    invoicer = App.objects.get(name="Invoicer")
    assert invoicer.summary
    assert invoicer.description
    assert invoicer.support_email == "support@devstudio.test"
    assert invoicer.support_url.startswith("https://")
    assert invoicer.logo.name.endswith(".png")
    assert invoicer.banners.count() == 1


@pytest.mark.django_db
def test_the_queue_holds_invoicer_1_1_0_asking_for_more_scopes():
    call_command("demo", force=True)

    assert [(v.app.name, v.number, v.claimed_by) for v in review_queue()] == [
        ("Invoicer", "1.1.0", None)
    ]
    pending = version_list_in_moderation().get()
    diff = version_diff(
        version=pending, against=version_last_published(app=pending.app, exclude=pending)
    )
    assert diff is not None
    assert diff.as_dict()["scopes"]["added"] == ["crm.deals:read", "task:full"]
    assert diff.needs_consent


@pytest.mark.django_db
def test_invoicer_1_0_0_went_through_moderation():
    call_command("demo", force=True)

    events = VersionEvent.objects.filter(
        version__app__name="Invoicer", version__number="1.0.0"
    ).order_by("pk")
    assert [(e.actor_label, e.from_status, e.to_status) for e in events] == [
        ("dev@devstudio.test", "", "draft"),
        ("dev@devstudio.test", "draft", "submitted"),
        ("moderator@platform.test", "submitted", "in_review"),
        ("moderator@platform.test", "in_review", "approved"),
        ("dev@devstudio.test", "approved", "published"),
    ]
    review = Review.objects.get(version__app__name="Invoicer", version__number="1.0.0")
    assert (review.moderator_label, review.decision) == ("moderator@platform.test", "approved")
    assert all(review.checklist.values())


@pytest.mark.django_db
def test_the_catalog_demo_needs_the_accounts_first():
    with pytest.raises(CommandError, match=r"run `manage\.py demo`"):
        call_command("demo_catalog", force=True)

    assert App.objects.count() == 0


@pytest.mark.django_db
def test_the_catalog_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("demo_catalog")

    assert App.objects.count() == 0


@pytest.mark.django_db
def test_the_connection_demo_apps_and_the_providers_client(django_capture_on_commit_callbacks):
    import json
    from pathlib import Path

    from apps.catalog.selectors import version_manifest
    from apps.connections.authorization import outside_credentials
    from apps.core.example_app import example_provider_config_path

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", force=True)
    notes = App.objects.get(name="Notes Sync")
    weather = App.objects.get(name="Weather Now")
    written = json.loads(Path(example_provider_config_path()).read_text())

    assert version_manifest(notes.versions.get()).connection.type == "oauth2"
    assert version_manifest(weather.versions.get()).connection.type == "generic"
    credentials = outside_credentials(notes.pk)
    assert credentials is not None
    assert (written["client_id"], written["client_secret"]) == (
        credentials.client_id,
        credentials.client_secret,
    )
    assert "http://127.0.0.1:8000/connections/callback/" in written["redirect_uris"]


@pytest.mark.django_db
def test_notes_syncs_backend_gets_its_credentials_and_its_redirect_uri(
    notes_backend_file, django_capture_on_commit_callbacks
):
    import json

    from django.contrib.auth.hashers import check_password

    from apps.catalog.selectors import version_manifest

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", force=True)
    notes = App.objects.get(name="Notes Sync")
    written = json.loads(notes_backend_file.read_text())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", force=True)

    assert version_manifest(notes.versions.get()).redirect_uris == (
        "http://127.0.0.1:8000/apps/installed/",
        "http://127.0.0.1:8003/oauth/callback",
    )
    assert written["client_id"] == notes.oauth_application.client_id
    notes.oauth_application.refresh_from_db()
    assert check_password(written["client_secret"], notes.oauth_application.client_secret)
    assert (written["port"], written["provider_url"]) == (8003, "http://127.0.0.1:8002")
    assert json.loads(notes_backend_file.read_text()) == written  # kept on a second run
    assert oct(notes_backend_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_demo_accounts_have_module_records_once():
    from apps.accounts.models import Account
    from apps.modules.models import ChangeEvent, CrmAccount, CrmContact, Invoice, Task

    call_command("demo", force=True)
    acme = Account.objects.get(slug="acme")
    counts = {
        model.__name__: model.objects.filter(account=acme).count()
        for model in (CrmAccount, CrmContact, Invoice, Task)
    }
    events = ChangeEvent.objects.count()

    call_command("demo", force=True)

    assert counts == {"CrmAccount": 40, "CrmContact": 50, "Invoice": 30, "Task": 60}
    assert ChangeEvent.objects.count() == events
    assert ChangeEvent.objects.filter(account=acme).count() >= 300
    assert not CrmAccount.objects.filter(account__slug="devstudio").exists()


@pytest.mark.django_db
def test_a_notes_sync_registered_before_its_backend_gets_a_hint(notes_backend_file, capsys):
    call_command("demo", force=True)
    version = App.objects.get(name="Notes Sync").versions.get()
    manifest = dict(version.manifest)
    manifest["redirect_uris"] = manifest["redirect_uris"][:1]
    AppVersion.objects.filter(pk=version.pk).update(manifest=manifest)
    capsys.readouterr()

    call_command("demo", force=True)

    out = capsys.readouterr().out
    assert "Notes Sync was registered before its backend" in out
    assert "http://127.0.0.1:8003/oauth/callback" in out
