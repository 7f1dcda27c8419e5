"""Journeys of the Developer Console, the moderation queue and the public catalog, in a real
browser, starting from the demo data that ``make run`` loads.

A developer creates a public app and a version and submits it; a moderator rejects it with
a reason; the developer fixes it and resubmits; the moderator approves; the developer
publishes it, lists it, and finds it in the catalog. A private app goes from draft to
published and shares an install link without any moderation.
"""

import io
import json
import re

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from apps.catalog.models import App, AppVersion, VersionStatus
from apps.demo.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

DEVELOPER = "dev@devstudio.test"
MODERATOR = "moderator@platform.test"
ADMIN = "admin@acme.test"


def _manifest(version: str, scopes: list[dict]) -> str:
    return json.dumps(
        {
            "manifest_version": 1,
            "version": version,
            "authorization": "account",
            "redirect_uris": ["https://sync.example.com/oauth/callback"],
            "scopes": scopes,
            "embeddings": [
                {
                    "id": "menu",
                    "location": "main_menu",
                    "code": "sync.home",
                    "url": "https://sync.example.com/embed",
                    "title": "Deal Sync",
                }
            ],
        },
        indent=2,
    )


DEALS_FULL = {"code": "crm.deals", "level": "full", "reason": "Creates deals from orders."}
DEALS_READ = {"code": "crm.deals", "level": "read", "reason": "Shows deals beside orders."}


@pytest.fixture
def demo(db):
    call_command("demo", force=True, stdout=io.StringIO())


@pytest.fixture
def browser_as(browser, live_server):
    """``browser_as(email)``: a new signed-in browser page of its own (own cookies)."""
    contexts = []

    def open_as(email: str):
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


def _nav(page):
    return page.get_by_role("navigation", name="Sections")


def _png(path, width: int, height: int) -> str:
    Image.new("RGB", (width, height), (20, 110, 190)).save(path, format="PNG")
    return str(path)


def _version_page_of(page, app_name: str, number: str) -> None:
    _nav(page).get_by_role("link", name="Apps", exact=True).click()
    page.locator("#main").get_by_role("link", name=app_name).first.click()
    page.get_by_role("link", name=number, exact=True).first.click()


def _open_review(page, app_name: str) -> None:
    _nav(page).get_by_role("link", name="Review queue").click()
    row = page.get_by_role("row").filter(has_text=app_name)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Claim").click()


def test_a_public_app_goes_from_creation_through_moderation_to_the_catalog(
    demo, browser_as, tmp_path
):
    developer = browser_as(DEVELOPER)
    moderator = browser_as(MODERATOR)

    # The developer creates a public app; the secret is shown once.
    _nav(developer).get_by_role("link", name="Apps", exact=True).click()
    developer.get_by_role("link", name="New app").first.click()
    developer.get_by_label("Name").fill("Deal Sync")
    developer.get_by_role("radio", name=re.compile("Public")).check()
    developer.get_by_role("button", name="Create app").click()
    secret = developer.get_by_label("The client secret").input_value()
    assert len(secret) > 40
    developer.get_by_role("link", name="I have copied it").click()
    expect(developer.get_by_role("heading", name=re.compile("Deal Sync"))).to_be_visible()
    assert secret not in developer.content()

    # ...adds version 1.0.0 from a pasted manifest and submits it.
    developer.get_by_role("link", name="New version").first.click()
    developer.get_by_label("Manifest").fill(_manifest("1.0.0", [DEALS_FULL]))
    developer.get_by_label("Changelog").fill("First release.")
    developer.get_by_role("button", name="Save draft").click()
    expect(developer.locator(".version-status").first).to_have_text("Draft")
    developer.get_by_role("button", name="Submit for review").click()
    expect(developer.locator(".version-status").first).to_have_text("Submitted")

    # The moderator claims it from the queue and rejects it with a reason.
    _open_review(moderator, "Deal Sync")
    expect(moderator.locator("#claimed-by")).to_contain_text("You")
    expect(moderator.get_by_text("Why: Creates deals from orders.")).to_be_visible()
    moderator.get_by_label("Reason").fill("Full access to deals is more than syncing needs.")
    moderator.get_by_role("button", name="Reject").click()
    expect(moderator.locator(".messages")).to_contain_text("is rejected")

    # The developer reads the reason, fixes the manifest and resubmits.
    developer.reload()
    expect(developer.locator("#rejection-reason")).to_contain_text(
        "Full access to deals is more than syncing needs."
    )
    developer.get_by_role("link", name="Edit", exact=True).click()
    developer.get_by_label("Manifest").fill(_manifest("1.0.0", [DEALS_READ]))
    developer.get_by_role("button", name="Save changes").click()
    expect(developer.locator(".version-status").first).to_have_text("Draft")
    developer.get_by_role("button", name="Submit for review").click()
    expect(developer.locator(".version-status").first).to_have_text("Submitted")

    # The moderator claims it again, ticks the checklist and approves.
    _open_review(moderator, "Deal Sync")
    expect(moderator.get_by_text("Why: Shows deals beside orders.")).to_be_visible()
    for box in moderator.locator("#approve-form input[type=checkbox]").all():
        box.check()
    moderator.get_by_role("button", name="Approve").click()
    expect(moderator.locator(".messages")).to_contain_text("approved")

    # The developer publishes, writes the listing and lists the app in the catalog.
    developer.reload()
    expect(developer.locator(".version-status").first).to_have_text("Approved")
    expect(developer.get_by_text(re.compile("Rejected")).first).to_be_visible()
    developer.get_by_role("button", name="Publish").click()
    expect(developer.locator(".version-status").first).to_have_text("Published")
    # The next step offered is the listing the catalog needs, not "Hide".
    expect(developer.locator("#next-step")).to_have_text("Fill in the listing")
    expect(developer.get_by_role("button", name="Hide")).not_to_have_class(
        re.compile("button--primary")
    )
    developer.locator("#next-step").click()
    developer.get_by_label("Summary").fill("Keeps your shop orders and CRM deals in step.")
    developer.get_by_label("Description").fill("Every paid order shows up beside its deal.")
    developer.get_by_label("Support e-mail").fill("help@sync.example.com")
    developer.get_by_role("button", name="Save listing").click()
    developer.get_by_label("Logo").set_input_files(_png(tmp_path / "logo.png", 256, 256))
    developer.get_by_role("button", name="Upload logo").click()
    expect(developer.get_by_alt_text("The current logo")).to_be_visible()
    developer.get_by_role("link", name="Back to the app").click()
    developer.get_by_role("button", name="List in catalog").click()
    expect(developer.locator(".badge", has_text="Listed").first).to_be_visible()

    # It is in the public catalog, with its scopes in plain words.
    _nav(developer).get_by_role("link", name="Browse apps").click()
    developer.get_by_role("link", name=re.compile("Deal Sync")).first.click()
    expect(developer.get_by_text("Keeps your shop orders and CRM deals in step.")).to_be_visible()
    expect(developer.get_by_text(re.compile("Shows deals beside orders.")).first).to_be_visible()
    expect(developer.locator("#install-button")).to_be_visible()

    app = App.objects.get(name="Deal Sync")
    version = AppVersion.objects.get(app=app, number="1.0.0")
    assert (app.type, app.status, app.is_listed) == ("public", "active", True)
    assert version.status == VersionStatus.PUBLISHED
    assert version.effective_scopes == ["crm.deals:read"]
    assert list(version.events.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "rejected"),
        ("rejected", "draft"),
        ("draft", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "approved"),
        ("approved", "published"),
    ]


def test_a_private_app_is_published_without_moderation_and_shared_by_link(
    demo, browser_as, tmp_path
):
    developer = browser_as(DEVELOPER)
    _nav(developer).get_by_role("link", name="Apps", exact=True).click()
    developer.get_by_role("link", name="New app").first.click()
    developer.get_by_label("Name").fill("Shop Floor")
    developer.get_by_role("radio", name=re.compile("Private")).check()
    developer.get_by_role("button", name="Create app").click()
    developer.get_by_role("link", name="I have copied it").click()

    manifest = tmp_path / "manifest.json"
    manifest.write_text(_manifest("0.1.0", [DEALS_READ]))
    developer.get_by_role("link", name="New version").first.click()
    developer.get_by_label("…or upload a file").set_input_files(str(manifest))
    developer.get_by_role("button", name="Save draft").click()
    expect(developer.get_by_role("button", name="Submit for review")).to_have_count(0)
    developer.get_by_role("button", name="Publish").click()
    expect(developer.locator(".version-status").first).to_have_text("Published")

    developer.get_by_role("link", name="New install link").click()
    developer.get_by_label("Label").fill("Acme pilot")
    developer.get_by_role("button", name="Create link").click()
    link = developer.locator("#install-link").input_value()
    assert "/install/mil_" in link

    # An admin of another account opens the link and sees what would be installed.
    admin = browser_as(ADMIN)
    admin.goto(link)
    expect(admin.locator("#install-preview")).to_contain_text("Shop Floor 0.1.0")
    expect(admin.locator("#install-preview")).to_contain_text("Shows deals beside orders.")
    expect(admin.locator("#install-preview")).to_contain_text("Dev Studio")

    # Revoked, the link says so.
    developer.get_by_role("link", name="I have copied it").click()
    developer.get_by_role("row").filter(has_text="Acme pilot").get_by_role(
        "link", name="Revoke"
    ).click()
    developer.get_by_role("button", name="Revoke the link").click()
    response = admin.goto(link)
    assert response is not None
    assert response.status == 410
    expect(admin.get_by_text(re.compile("revoked", re.I)).first).to_be_visible()
