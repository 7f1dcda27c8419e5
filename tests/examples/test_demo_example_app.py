"""``manage.py demo`` registers the Example Connector and writes its credentials."""

import io
import json

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.catalog.models import App, AppVersion
from apps.webhooks.services import signing_secret_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    path = tmp_path / "example-app.json"
    monkeypatch.setenv("CONNECTOR_CONFIG", str(path))
    return path


def secret_works(app: App, secret: str) -> bool:
    app.oauth_application.refresh_from_db()
    return check_password(secret, app.oauth_application.client_secret)


def run(command, capture):
    """Run a demo command; the credentials file is written once its data is committed."""
    with capture(execute=True):
        call_command(command, force=True, stdout=io.StringIO())


def test_demo_registers_the_connector_and_writes_its_credentials(
    credentials, django_capture_on_commit_callbacks
):
    run("demo", django_capture_on_commit_callbacks)

    app = App.objects.get(name="Example Connector", account__slug="devstudio")
    assert app.type == "public"
    versions = dict(AppVersion.objects.filter(app=app).values_list("number", "status"))
    assert versions == {"1.0.0": "published", "1.1.0": "approved"}
    manifest = AppVersion.objects.get(app=app, number="1.0.0").manifest
    assert manifest["redirect_uris"] == ["http://localhost:8001/oauth/callback"]
    assert [(s["code"], s["level"]) for s in manifest["scopes"]] == [
        ("users", "read"),
        ("crm.accounts", "read"),
        ("task", "full"),
    ]
    newer = AppVersion.objects.get(app=app, number="1.1.0").manifest
    assert [s["code"] for s in newer["scopes"]] == ["users", "crm.accounts", "task", "calendar"]
    assert [(e["location"], e["url"]) for e in manifest["embeddings"]] == [
        ("main_menu", "http://localhost:8001/embed"),
        ("crm.account.card", "http://localhost:8001/embed/account"),
    ]
    assert {(w["event"], w["url"]) for w in manifest["webhooks"]} == {
        ("users.user.updated", "http://localhost:8001/hooks/users"),
        ("crm.account.updated", "http://localhost:8001/hooks/crm"),
        ("app.installed", "http://localhost:8001/hooks/app"),
        ("app.uninstalled", "http://localhost:8001/hooks/app"),
    }

    data = json.loads(credentials.read_text())
    assert data["client_id"] == app.oauth_application.client_id
    assert data["marketplace_url"] == "http://127.0.0.1:8000"
    assert secret_works(app, data["client_secret"])
    assert data["webhook_secret"].startswith("whsec_")
    assert data["webhook_secret"] == signing_secret_current(app_id=app.pk)
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"


def test_running_it_again_keeps_the_file_and_a_lost_file_rotates_the_secret(
    credentials, django_capture_on_commit_callbacks
):
    run("demo", django_capture_on_commit_callbacks)
    first = json.loads(credentials.read_text())

    run("demo_example_app", django_capture_on_commit_callbacks)
    assert json.loads(credentials.read_text()) == first
    assert App.objects.filter(name="Example Connector").count() == 1

    credentials.unlink()
    run("demo_example_app", django_capture_on_commit_callbacks)
    second = json.loads(credentials.read_text())
    app = App.objects.get(name="Example Connector")
    assert second["client_id"] == first["client_id"]
    assert second["client_secret"] != first["client_secret"]
    assert secret_works(app, second["client_secret"])
    assert not secret_works(app, first["client_secret"])


def test_it_needs_the_demo_people(credentials, django_capture_on_commit_callbacks):
    with pytest.raises(CommandError, match=r"run `manage\.py demo`"):
        run("demo_example_app", django_capture_on_commit_callbacks)
    assert not App.objects.filter(name="Example Connector").exists()
    assert not credentials.exists()


def test_a_file_written_without_the_signing_secret_gets_it_and_keeps_the_client_secret(
    credentials, django_capture_on_commit_callbacks
):
    run("demo", django_capture_on_commit_callbacks)
    first = json.loads(credentials.read_text())
    credentials.write_text(json.dumps({k: v for k, v in first.items() if k != "webhook_secret"}))

    run("demo_example_app", django_capture_on_commit_callbacks)

    assert json.loads(credentials.read_text()) == first
