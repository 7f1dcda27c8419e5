"""The Example Connector's whole life on a demo account, in a real browser, with the real
connector process (``python -m examples.connector``) started against the live server.

A new user opens the connector, connects it (sign in, consent, install, the settings it
needs: a secret, a file), sees it call the API; in the marketplace console finds it set up
and changes who may use it; the connector still works; the admin uninstalls it, its next
calls get 401, and the admin watches the uninstall job run to its end on a real Celery
worker.

The demo registers the Example Connector for ``http://localhost:8001``. Each run starts
the connector on a free port instead (the developer's own demo may hold 8001), so the
demo's manifests are moved to that address before the journey: every URL of the
connector in them, the redirect URI first, which the marketplace matches exactly.
"""

import io
import json

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from apps.accounts.models import Role
from apps.catalog.models import App, AppVersion
from apps.core.crypto import decrypt
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.demo.management.commands.demo_example_app import CONNECTOR_URL
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationStatus,
    SettingValue,
)
from apps.installations.policies import MASK
from apps.modules.models import Task
from tests.examples.test_connector_journey import Connector, free_port

pytestmark = [pytest.mark.example_app, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@acme.test"
WORKSPACE = "acme-sync"
API_TOKEN = "svc-token-7Qm2xR9vLp4KdW3z"  # long enough for the mask to show its last 4
PDF_NAME = "letterhead.pdf"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _move_demo_connector(url: str) -> None:
    """Point the demo's Example Connector manifests at the connector's address."""
    for version in AppVersion.objects.filter(app__name="Example Connector"):
        version.manifest = json.loads(json.dumps(version.manifest).replace(CONNECTOR_URL, url))
        version.manifest_source = version.manifest_source.replace(CONNECTOR_URL, url)
        version.save(update_fields=["manifest", "manifest_source"])


@pytest.fixture
def connector(live_server, tmp_path, settings, monkeypatch):
    """The demo data, and the Example Connector running with the credentials the demo
    wrote for it (``CONNECTOR_CONFIG``, a file of this test: see conftest), its webhook
    signing secret included."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo", force=True, stdout=io.StringIO())
    credentials = json.loads((tmp_path / "example-app.json").read_text())
    monkeypatch.setenv("CONNECTOR_WEBHOOK_SECRET", credentials["webhook_secret"])
    port = free_port()
    _move_demo_connector(f"http://localhost:{port}")
    process = Connector(
        port=port,
        marketplace_url=live_server.url,
        client_id=credentials["client_id"],
        secret=credentials["client_secret"],
        tmp_path=tmp_path,
    )
    try:
        yield process
    finally:
        process.stop()
    log = process.log.read_text()
    assert credentials["client_secret"] not in log
    assert "code=" not in log


def _nav(page: Page):
    return page.get_by_role("navigation", name="Sections")


def _call_the_api_again(page: Page) -> None:
    with page.expect_navigation():
        page.locator("#call").click()


def test_a_new_user_installs_configures_and_uninstalls_the_example_app(
    page, connector, celery_processes
):
    # 1. The connector's home page: Connect, sign in, consent, back connected.
    page.goto(connector.url + "/")
    expect(page.get_by_role("heading", name="Example Connector")).to_be_visible()
    page.locator("#connect").click()
    page.wait_for_url("**/login/**")
    page.get_by_label("E-mail").fill(ADMIN)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    consent = page.locator("#consent")
    expect(
        consent.get_by_role("heading", name="Install Example Connector on Acme Corp?")
    ).to_be_visible()
    scopes = consent.locator("#consent-new")
    expect(scopes.locator("li")).to_have_count(3)
    expect(scopes).to_contain_text("users:read")
    expect(scopes).to_contain_text("crm.accounts:read")
    expect(scopes).to_contain_text("task:full")
    expect(scopes).to_contain_text("Why: Shows who is connected and lists your colleagues")
    page.get_by_role("button", name="Allow and Install").click()

    # It needs setup: its required settings first, then on to the connector, code and all.
    page.wait_for_url("**/apps/installed/*/settings/")
    expect(page.get_by_role("heading", name="Settings of Example Connector")).to_be_visible()
    expect(page.locator("#needs-setup")).to_contain_text(
        "Example Connector needs setup before it can work: fill in the required settings"
    )
    expect(page.locator("#needs-setup")).to_contain_text("Workspace name")
    expect(page.locator("#handoff")).to_contain_text("valid until")
    page.get_by_label("Workspace name").fill(WORKSPACE)
    page.get_by_label("Connected service API token").fill(API_TOKEN)
    page.get_by_label("Letterhead (PDF or image)").set_input_files(
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Save and go back to Example Connector").click()

    page.wait_for_url(connector.url + "/")
    expect(page.locator("p.notice")).to_have_text("Connected.")
    expect(page.locator("#user")).to_have_text(ADMIN)
    expect(page.locator("#account")).to_have_text("acme")
    expect(page.locator("#me-status")).to_have_text("200")
    expect(page.locator("#users-status")).to_have_text("200")
    expect(page.locator("#users-body")).to_contain_text("sales@acme.test")

    app = App.objects.get(name="Example Connector")
    installation = Installation.objects.select_related("version", "installed_by").get(
        app=app, account__slug="acme"
    )
    assert installation.status == InstallationStatus.ACTIVE
    assert installation.version.number == "1.0.0"
    assert installation.granted_scopes == ["crm.accounts:read", "task:full", "users:read"]
    assert installation.installed_by.email == ADMIN
    assert connector.tokens()["account"] == "acme"

    # Its customers: Acme's CRM accounts through the App API, and a follow-up task for one.
    page.locator("#customers").click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.locator("#customers-status")).to_have_text("200")
    row = page.locator("#customer-list tbody tr").first
    customer = row.locator("td").first.inner_text()
    row.get_by_role("button", name="Create a follow-up task").click()
    expect(page.locator("#task-status")).to_have_text("201")
    expect(page.locator("#task-created")).to_contain_text(f"Follow up with {customer}")
    task = Task.objects.get(account__slug="acme", title=f"Follow up with {customer}")
    assert task.crm_account.name == customer
    page.get_by_role("link", name="Back to the customers").click()
    page.get_by_role("link", name="Back to the connection").click()

    # 2. The marketplace console, same browser: set up, its settings, who may use it.
    page.goto("/")
    _nav(page).get_by_role("link", name="Installed apps").click()
    expect(page.locator("#installation-list .needs-setup")).to_have_count(0)
    page.locator("#installation-list").get_by_role("link", name="Example Connector").click()
    expect(page.locator("#installation-scopes")).to_contain_text("users:read")
    expect(page.locator("#needs-setup")).to_have_count(0)
    page.get_by_role("link", name="Settings", exact=True).click()

    expect(page.get_by_role("heading", name="Settings of Example Connector")).to_be_visible()
    expect(page.locator("#needs-setup")).to_have_count(0)
    expect(page.get_by_label("Workspace name")).to_have_value(WORKSPACE)
    token_field = page.locator('[data-setting="api_token"]')
    expect(token_field.locator(".secret__value")).to_have_text(f"{MASK}{API_TOKEN[-4:]}")
    expect(page.get_by_label("Connected service API token", exact=True)).to_have_value("")
    expect(page.locator('[data-setting="letterhead"]')).to_contain_text(f"Current file: {PDF_NAME}")
    assert API_TOKEN not in page.content()

    values = {
        row.key: row
        for row in SettingValue.objects.filter(installation=installation, user__isnull=True)
    }
    assert values["workspace"].value == WORKSPACE
    assert API_TOKEN not in values["api_token"].secret
    assert decrypt(values["api_token"].secret) == API_TOKEN
    assert values["api_token"].secret_hint == API_TOKEN[-4:]
    assert values["letterhead"].file_name == PDF_NAME
    assert values["letterhead"].file_size == len(PDF)
    with values["letterhead"].file.open("rb") as stored:
        assert stored.read() == PDF

    page.get_by_role("navigation", name="Breadcrumbs").get_by_role(
        "link", name="Example Connector"
    ).click()
    page.get_by_role("link", name="Access", exact=True).click()
    expect(page.get_by_role("heading", name="Who may use Example Connector")).to_be_visible()
    page.locator("#id_roles").get_by_label("Sales").check()
    page.get_by_role("button", name="Save access").click()

    expect(page.locator(".messages")).to_contain_text(
        "“Example Connector” can now be used by Sales and admins."
    )
    expect(page.locator("#installation-access")).to_contain_text("Role: Sales")
    sales = Role.objects.get(account__slug="acme", name="Sales")
    assert list(
        InstallationAccess.objects.filter(installation=installation).values_list(
            "role_id", "group_id"
        )
    ) == [(sales.pk, None)]

    # 3. Back on the connector: its calls still work.
    page.goto(connector.url + "/")
    _call_the_api_again(page)
    expect(page.locator("#user")).to_have_text(ADMIN)
    expect(page.locator("#me-status")).to_have_text("200")
    expect(page.locator("#users-status")).to_have_text("200")

    # 4. Uninstall from the installed app's page; the connector's next calls get 401.
    page.goto("/")
    _nav(page).get_by_role("link", name="Installed apps").click()
    page.locator("#installation-list").get_by_role("link", name="Example Connector").click()
    page.get_by_role("link", name="Uninstall…").click()
    expect(page.get_by_role("heading", name="Uninstall Example Connector?")).to_be_visible()
    page.get_by_role("button", name="Uninstall", exact=True).click()

    expect(page.locator("#job-under-way")).to_contain_text("is being uninstalled")
    expect(page.get_by_role("heading", name="Uninstall: Example Connector on")).to_be_visible()
    installation.refresh_from_db()
    assert installation.status == InstallationStatus.UNINSTALLING
    assert installation.uninstall_requested_by.email == ADMIN

    page.goto(connector.url + "/")
    _call_the_api_again(page)
    expect(page.locator("#me-status")).to_have_text("401")
    expect(page.locator("#users-status")).to_have_text("401")
    expect(page.locator("#me-body")).to_contain_text("invalid_token")
    expect(page.locator("#me-body")).to_contain_text("The app was uninstalled from this account")
    expect(page.locator("#user")).to_have_text("(unknown: see below)")

    # 5. A worker runs the uninstall (telling the connector first); its page follows it
    # to the end and leads back.
    celery_processes("worker", extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128"})
    page.go_back()
    page.go_back()
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-state", "succeeded", timeout=60_000
    )
    expect(page.locator("#job-progress")).to_contain_text("7 of 7 done")
    expect(page.locator("#job-progress")).to_contain_text("Uninstalled: the app's tokens")
    # Every step done, with the rows it removed; nothing says "being uninstalled" any more.
    expect(page.locator(".job-step")).to_have_count(7)
    expect(page.locator('.job-step[data-status="done"]')).to_have_count(7)
    expect(page.locator('.job-step[data-step="tokens"] .job-step__count')).to_contain_text(
        "removed"
    )
    expect(page.get_by_text("is being uninstalled")).to_have_count(0)
    page.locator("#job-next").click()
    expect(page.get_by_text("No apps are installed on Acme Corp yet.")).to_be_visible()
    assert not Installation.objects.filter(pk=installation.pk).exists()
    assert not SettingValue.objects.filter(installation_id=installation.pk).exists()
    assert not InstallationAccess.objects.filter(installation_id=installation.pk).exists()

    # The connector was told, signed, before the data went (its app.installed, woken
    # while no worker ran, was cancelled by then: the installation was uninstalling).
    page.goto(connector.url + "/hooks")
    hooks = page.locator("#hooks")
    expect(hooks).to_contain_text("app.uninstalled")
    expect(hooks).to_contain_text(f"installation #{installation.pk}")
    expect(hooks.locator(".status.ok")).to_have_count(1)
