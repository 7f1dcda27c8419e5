"""Journeys of the lifecycle jobs, in a real browser, with a real Celery worker process,
starting from the demo data that ``make run`` loads.

A developer deletes an app installed on three accounts and follows its deletion job to
the end; another app on the same accounts keeps everything. A developer publishes a
version that asks for more access: the rollout leaves it waiting for the admins of the
two unpinned accounts, who review and agree; the third account, pinned by its admin, is
skipped. A later version that asks for nothing new moves the unpinned accounts at once
(history: "Automatic update") and still leaves the pinned one where it is.

The installations the journeys start from are made through the services, as an admin
would make them from the catalog (the catalog journeys cover that part).
"""

import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_application_model
from playwright.sync_api import Page, expect

from apps.accounts.models import Account, User
from apps.catalog.models import App, AppVersion, VersionStatus
from apps.demo.management.commands import demo_example_app as connector_demo
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.demo.people import demo_approve
from apps.installations.models import Installation, InstallationStatus, WebhookSubscription
from apps.jobs.kinds import APP_DELETE, VERSION_ROLLOUT
from apps.jobs.models import Job
from tests.factories.installations import issue_token, make_installation
from tests.factories.oauth import api_get

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DEVELOPER = "dev@devstudio.test"
MODERATOR = "moderator@platform.test"
# The admin of each demo account; the developer is also the admin of devstudio.
ADMINS = {"acme": "admin@acme.test", "globex": "admin@globex.test", "devstudio": DEVELOPER}
CONNECTOR = connector_demo.NAME
# A worker has to start, then the job runs chunk after chunk: far longer than a page load.
JOB_TIMEOUT = 45_000
AccessToken = get_access_token_model()
Application = get_application_model()


@pytest.fixture
def demo(db):
    call_command("demo", force=True, stdout=io.StringIO())


@pytest.fixture
def browser_as(browser, live_server):
    """``browser_as(email)``: a new signed-in browser page of its own (own cookies)."""
    contexts = []

    def open_as(email: str) -> Page:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _nav(page: Page):
    return page.get_by_role("navigation", name="Sections")


def _open_app(page: Page, name: str) -> None:
    """Developer > Apps > the app's page."""
    _nav(page).get_by_role("link", name="Apps", exact=True).click()
    page.locator("#main").get_by_role("link", name=name).first.click()
    expect(page.locator("#app-overview")).to_be_visible()


def _open_version(page: Page, app_name: str, number: str) -> None:
    _open_app(page, app_name)
    page.locator("#versions").get_by_role("link", name=number, exact=True).click()


def _installed_row(page: Page, app_name: str):
    """Account admin > Installed apps: the row of ``app_name``."""
    _nav(page).get_by_role("link", name="Installed apps").click()
    return page.locator("#installation-list").get_by_role("row").filter(has_text=app_name)


def _install_everywhere(version: AppVersion) -> dict[str, Installation]:
    """``version`` installed on each demo account by its admin, keyed by account slug."""
    return {
        slug: make_installation(
            account=Account.objects.get(slug=slug),
            version=version,
            by_user=User.objects.get(email=email),
        )
        for slug, email in ADMINS.items()
    }


def _wait_for_job_page_end(page: Page) -> None:
    """On a job's page: the block polls itself until the job succeeded."""
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-state", "succeeded", timeout=JOB_TIMEOUT
    )


# --- 1. Deleting an app installed on three accounts ------------------------------------------


def test_a_developer_deletes_an_app_installed_on_three_accounts(demo, browser_as, celery_processes):
    invoicer = App.objects.select_related("oauth_application").get(name="Invoicer")
    connector = App.objects.get(name=CONNECTOR)
    doomed = _install_everywhere(AppVersion.objects.get(app=invoicer, number="1.0.0"))
    kept = _install_everywhere(AppVersion.objects.get(app=connector, number="1.0.0"))
    doomed_tokens = {
        slug: issue_token(installation=i, user=User.objects.get(email=ADMINS[slug]))
        for slug, i in doomed.items()
    }
    kept_tokens = {
        slug: issue_token(installation=i, user=User.objects.get(email=ADMINS[slug]))
        for slug, i in kept.items()
    }
    logo = invoicer.logo.name
    assert logo and default_storage.exists(logo)
    # Invoicer's tokens are accepted (403: Invoicer does not ask for the users scope).
    assert api_get("/api/v1/users/me", doomed_tokens["acme"]).status_code == 403

    developer = browser_as(DEVELOPER)
    _open_app(developer, "Invoicer")
    developer.get_by_role("link", name="Delete…").click()
    expect(developer.get_by_role("heading", name="Delete “Invoicer”?")).to_be_visible()

    # A name typed wrong is refused under its field, and nothing happens.
    confirm = developer.get_by_label("Type the app's name to confirm")
    confirm.fill("invoicer")
    developer.get_by_role("button", name="Delete the app").click()
    expect(developer.locator(".field__error")).to_have_text(
        "Type “Invoicer” exactly to delete the app."
    )
    invoicer.refresh_from_db()
    assert invoicer.status == "active"
    assert not Job.objects.filter(kind=APP_DELETE).exists()

    confirm.fill("Invoicer")
    developer.get_by_role("button", name="Delete the app").click()

    # The deletion job's page; no worker runs yet, so it waits.
    job = Job.objects.get(kind=APP_DELETE)
    developer.wait_for_url(f"**/jobs/{job.pk}/**")
    expect(developer.locator("#job-under-way")).to_contain_text("“Invoicer” is being deleted")
    expect(developer.get_by_role("heading", name="App deletion: Invoicer")).to_be_visible()
    expect(developer.locator("#job-progress")).to_have_attribute("data-state", "pending")
    expect(developer.locator("#job-summary")).to_have_text("Waiting for a worker to take it.")

    # At once, before any worker: refused tokens, hidden, and the console says so.
    invoicer.refresh_from_db()
    assert (invoicer.status, invoicer.is_listed) == ("deleting", False)
    for slug in ADMINS:
        assert api_get("/api/v1/users/me", doomed_tokens[slug]).status_code == 401
        assert api_get("/api/v1/users/me", kept_tokens[slug]).status_code == 200

    _nav(developer).get_by_role("link", name="Apps", exact=True).click()
    being_deleted = developer.locator("#app-deletions")
    expect(being_deleted).to_contain_text("Invoicer")
    expect(being_deleted).to_contain_text("Deleting… starting.")
    row = developer.get_by_role("row").filter(has_text="Invoicer")
    expect(row.locator(".app-status")).to_have_text("Deleting")

    row.get_by_role("link", name="Invoicer").click()
    expect(developer.locator("#app-deleting")).to_contain_text("This app is being deleted")
    for label in ("Edit", "Listing", "Rotate secret", "Delete…", "New version"):
        expect(developer.get_by_role("link", name=label, exact=True)).to_have_count(0)
    app_page = developer.url
    developer.goto(reverse("console:developer:app-edit", kwargs={"code": invoicer.code}))
    assert developer.url == app_page
    expect(developer.locator(".messages")).to_contain_text(
        "The app “Invoicer” is being deleted; nothing can change it any more."
    )

    # Its job's page, still waiting; then a worker starts and the page follows it.
    developer.locator("#app-deleting").get_by_role("link", name=f"Follow the job #{job.pk}").click()
    expect(developer.locator("#job-progress")).to_have_attribute("data-state", "pending")
    celery_processes("worker")
    _wait_for_job_page_end(developer)
    progress = developer.locator("#job-progress")
    expect(progress.locator(".state")).to_have_text("Succeeded")
    expect(progress).to_contain_text("3 of 3 done")
    expect(progress).to_contain_text(
        "Deleted: removed from 3 accounts, then the app's tokens, OAuth client, versions, "
        "install links and listing files."
    )
    # The last account's steps and the app's own, all done; no "being deleted" any more.
    expect(progress.locator('[data-group="1"] .job-step[data-status="done"]')).to_have_count(7)
    expect(progress.locator('[data-group="2"] .job-step[data-status="done"]')).to_have_count(6)
    expect(progress.locator('.job-step[data-step="client"] .job-step__count')).to_have_text(
        "1 row removed"
    )
    expect(developer.get_by_text("is being deleted")).to_have_count(0)
    developer.locator("#job-next").click()

    expect(developer.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    expect(developer.locator("#app-deletions")).to_have_count(0)
    expect(
        developer.locator("#main").get_by_role("link", name="Invoicer", exact=True)
    ).to_have_count(0)
    expect(
        developer.locator("#main").get_by_role("link", name=CONNECTOR, exact=True)
    ).to_be_visible()

    # Gone: the app, its client, versions, installations, tokens, subscriptions, logo.
    assert not App.objects.filter(pk=invoicer.pk).exists()
    assert not Application.objects.filter(pk=invoicer.oauth_application_id).exists()
    assert not AppVersion.objects.filter(app_id=invoicer.pk).exists()
    assert not Installation.objects.filter(app_id=invoicer.pk).exists()
    assert not AccessToken.objects.filter(application_id=invoicer.oauth_application_id).exists()
    assert not WebhookSubscription.objects.filter(
        installation_id__in=[i.pk for i in doomed.values()]
    ).exists()
    assert not default_storage.exists(logo)
    # Kept: the other app on the same three accounts, with its tokens and subscriptions.
    for slug, installation in kept.items():
        installation.refresh_from_db()
        assert installation.status == InstallationStatus.ACTIVE
        assert AccessToken.objects.filter(installation=installation).count() == 1
        assert sorted(installation.webhook_subscriptions.values_list("webhook_id", flat=True)) == [
            "app-installed",
            "app-uninstalled",
            "customer-updated",
            "user-updated",
        ]
        assert api_get("/api/v1/users/me", kept_tokens[slug]).status_code == 200
    job.refresh_from_db()
    assert (job.state, job.progress_done, job.progress_total) == ("succeeded", 3, 3)


# --- 2. Publishing versions: approval, pinning, automatic updates ----------------------------


def _publish(developer: Page, number: str) -> Job:
    """On the version's page: Publish; the rollout job it queued."""
    developer.get_by_role("button", name="Publish").click()
    expect(developer.locator(".messages")).to_contain_text(f"Version {number} is published.")
    expect(developer.locator(".version-status").first).to_have_text("Published")
    return Job.objects.get(kind=VERSION_ROLLOUT, payload__version_id=_version(number).pk)


def _version(number: str) -> AppVersion:
    return AppVersion.objects.get(app__name=CONNECTOR, number=number)


def _follow_rollout(developer: Page, number: str, job: Job, counts: str) -> None:
    """From the version's page to its rollout job's page, until the end; back on the
    version's page, the rollout card shows the counts."""
    rollout = developer.locator("#version-rollout")
    expect(rollout.get_by_role("heading", name="Rollout to installed accounts")).to_be_visible()
    rollout.get_by_role("link", name=f"Follow the job #{job.pk}").click()
    _wait_for_job_page_end(developer)
    expect(
        developer.get_by_role("heading", name=f"Version rollout: {CONNECTOR} {number}")
    ).to_be_visible()
    expect(developer.locator("#job-progress")).to_contain_text("3 of 3 done")
    expect(developer.locator("#job-progress")).to_contain_text(f"3 of 3 installations: {counts}")
    _open_version(developer, CONNECTOR, number)
    expect(rollout.locator(".state")).to_have_text("Succeeded")
    expect(rollout).to_contain_text(counts)


def _approve_update(admin: Page, number: str) -> None:
    """On the update page of a version waiting for approval: the new scope apart from the
    approved ones; agree and update."""
    expect(admin.get_by_role("heading", name=f"Update {CONNECTOR}", exact=True)).to_be_visible()
    new = admin.locator("#scopes-new")
    expect(new.locator("li")).to_have_count(1)
    expect(new).to_contain_text("calendar:read")
    expect(new).to_contain_text(f"Why: {connector_demo.UPDATE_SCOPE['reason']}")
    approved = admin.locator("#scopes-approved")
    expect(approved.locator("li")).to_have_count(3)
    expect(approved).to_contain_text("users:read")
    expect(approved).to_contain_text("crm.accounts:read")
    expect(approved).to_contain_text("task:full")
    admin.get_by_label("I have read the new access it asks for").check()
    admin.get_by_role("button", name=f"Update to {number}").click()
    expect(admin.locator(".messages")).to_contain_text(
        f"“{CONNECTOR}” is updated to version {number}."
    )
    expect(admin.locator("#pending-update")).to_have_count(0)


def _expect_pinned_row(admin: Page, newer: str) -> None:
    """The pinned installation in Installed apps: on 1.0.0, pinned, an update it may take by
    hand, and nothing waiting for approval."""
    row = _installed_row(admin, CONNECTOR)
    expect(row.locator("code")).to_have_text("1.0.0")
    expect(row.locator(".pinned")).to_have_text("Pinned")
    expect(row.locator(".update-needs-approval")).to_have_count(0)
    expect(row.locator(".update-available")).to_have_text(f"Update available: {newer}")


def test_a_developer_publishes_versions_and_admins_approve_or_get_them_automatically(
    demo, browser_as, celery_processes
):
    installed = _install_everywhere(_version("1.0.0"))
    celery_processes("worker")

    # Globex's admin pins the app to 1.0.0 from its page.
    globex = browser_as(ADMINS["globex"])
    _installed_row(globex, CONNECTOR).get_by_role("link", name=CONNECTOR).click()
    pin = globex.locator("#installation-pin")
    expect(pin).to_contain_text(
        "New versions that ask for no new access are installed automatically. Pin to stop that."
    )
    pin.get_by_role("button", name="Pin to this version").click()
    expect(globex.locator(".messages")).to_contain_text(
        f"“{CONNECTOR}” is pinned to version 1.0.0: new versions are not installed automatically."
    )
    expect(pin).to_contain_text("Pinned to version 1.0.0")
    expect(pin.get_by_role("button", name="Unpin")).to_be_visible()

    # The developer publishes 1.1.0, which also asks to view calendar events.
    developer = browser_as(DEVELOPER)
    _open_version(developer, CONNECTOR, "1.1.0")
    expect(developer.locator(".version-status").first).to_have_text("Approved")
    rollout = _publish(developer, "1.1.0")
    _follow_rollout(
        developer,
        "1.1.0",
        rollout,
        "0 updated, 2 need an admin's approval, 1 pinned to their version, "
        "0 already on a newer version or uninstalled.",
    )

    # Acme's admin: the badge in Installed apps leads to the update page.
    acme = browser_as(ADMINS["acme"])
    row = _installed_row(acme, CONNECTOR)
    badge = row.locator(".update-needs-approval")
    expect(badge).to_have_text("Update needs approval: 1.1.0")
    expect(row.locator(".pinned")).to_have_count(0)
    badge.click()
    _approve_update(acme, "1.1.0")

    # Devstudio's admin (the developer): the notice on the app's page leads there too.
    row = _installed_row(developer, CONNECTOR)
    expect(row.locator(".update-needs-approval")).to_have_text("Update needs approval: 1.1.0")
    row.get_by_role("link", name=CONNECTOR).click()
    notice = developer.locator("#pending-update")
    expect(notice).to_contain_text("Update needs approval: version 1.1.0")
    expect(notice).to_contain_text("calendar:read")
    expect(notice).to_contain_text("Version 1.0.0 keeps working until you decide.")
    notice.get_by_role("link", name="Review the new access and update").click()
    _approve_update(developer, "1.1.0")

    # Globex, pinned, was skipped: still 1.0.0, nothing waits for its approval.
    _expect_pinned_row(globex, "1.1.0")
    _installed_row(globex, CONNECTOR).get_by_role("link", name=CONNECTOR).click()
    expect(globex.locator("#pending-update")).to_have_count(0)
    expect(globex.locator("#installation-facts")).to_contain_text("1.0.0")

    # 1.2.0 asks for nothing new: created and submitted in the console, approved by the
    # moderator, published.
    _open_app(developer, CONNECTOR)
    developer.locator("#versions").get_by_role("link", name="New version").click()
    developer.get_by_label("Manifest").fill(
        json.dumps(
            connector_demo.manifest("1.2.0", [*connector_demo.SCOPES, connector_demo.UPDATE_SCOPE]),
            indent=2,
        )
    )
    developer.get_by_label("Changelog").fill("Faster sync.")
    developer.get_by_role("button", name="Save draft").click()
    expect(developer.locator(".version-status").first).to_have_text("Draft")
    developer.get_by_role("button", name="Submit for review").click()
    expect(developer.locator(".version-status").first).to_have_text("Submitted")
    demo_approve(version=_version("1.2.0"), moderator=User.objects.get(email=MODERATOR))
    developer.reload()
    expect(developer.locator(".version-status").first).to_have_text("Approved")
    rollout = _publish(developer, "1.2.0")
    _follow_rollout(
        developer,
        "1.2.0",
        rollout,
        "2 updated, 0 need an admin's approval, 1 pinned to their version, "
        "0 already on a newer version or uninstalled.",
    )

    # Acme moved on its own: its history says so.
    row = _installed_row(acme, CONNECTOR)
    expect(row.locator("code")).to_have_text("1.2.0")
    expect(row.locator(".update-needs-approval")).to_have_count(0)
    expect(row.locator(".update-available")).to_have_count(0)
    row.get_by_role("link", name=CONNECTOR).click()
    history = acme.locator("#installation-history li")
    expect(history.locator("strong")).to_have_text(
        ["Installed", "Update needs approval", "Updated", "Automatic update"]
    )
    expect(history.last).to_contain_text(
        "Updated automatically (the access it had covers the new version) from 1.1.0 to 1.2.0."
    )
    # Globex stays pinned on 1.0.0.
    _expect_pinned_row(globex, "1.2.0")

    expected = {
        "acme": ("1.2.0", ["installed", "updated", "updated"], [False, True]),
        "devstudio": ("1.2.0", ["installed", "updated", "updated"], [False, True]),
        "globex": ("1.0.0", ["installed", "pinned"], []),
    }
    for slug, (number, kinds, automatic) in expected.items():
        installation = Installation.objects.select_related("version").get(pk=installed[slug].pk)
        events = list(installation.events.order_by("created_at", "pk"))
        approval = [e for e in events if e.kind == "update_needs_approval"]
        assert installation.version.number == number, slug
        assert installation.pending_version_id is None, slug
        assert installation.is_pinned is (slug == "globex"), slug
        assert [e.kind for e in events if e.kind != "update_needs_approval"] == kinds, slug
        assert [e.detail["automatic"] for e in events if e.kind == "updated"] == automatic
        assert [e.detail["to"] for e in approval] == ([] if slug == "globex" else ["1.1.0"])
    assert sorted(Installation.objects.get(pk=installed["acme"].pk).granted_scopes) == sorted(
        ["users:read", "crm.accounts:read", "task:full", "calendar:read"]
    )
    assert list(
        Job.objects.filter(kind=VERSION_ROLLOUT).order_by("pk").values_list("state", flat=True)
    ) == ["succeeded", "succeeded"]
    assert _version("1.2.0").status == VersionStatus.PUBLISHED
