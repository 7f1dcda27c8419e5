"""Journeys through the console in a real browser."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from apps.accounts.models import ApiKey
from tests.factories import AccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _nav(page):
    return page.get_by_role("navigation", name="Sections")


def _api_status(base_url: str, key: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/api/v1/account", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_admin_creates_uses_and_revokes_an_api_key(page, sign_in, admin, live_server):
    sign_in(admin)
    _nav(page).get_by_role("link", name="API keys").click()
    page.get_by_role("link", name="New API key").first.click()
    page.get_by_label("Name").fill("Deploy pipeline")
    page.get_by_role("button", name="Create key").click()

    expect(page.get_by_role("heading", name="API key created")).to_be_visible()
    raw_key = page.get_by_label("The new API key").input_value()
    assert raw_key.startswith("mpk_")
    assert _api_status(live_server.url, raw_key) == 200

    # A reload neither shows the key again nor creates a second one.
    page.reload()
    expect(page.locator("#shown-once")).to_contain_text("This key was shown once")
    assert raw_key not in page.content()
    assert ApiKey.objects.filter(name="Deploy pipeline").count() == 1
    page.go_back()
    page.go_forward()
    assert raw_key not in page.content()
    assert ApiKey.objects.filter(name="Deploy pipeline").count() == 1
    page.get_by_role("link", name="Back to API keys").click()

    row = page.get_by_role("row", name="Deploy pipeline")
    expect(row).to_contain_text("Active")
    assert raw_key not in page.content()

    row.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke the key").click()
    expect(page.get_by_role("row", name="Deploy pipeline")).to_contain_text("Revoked")
    assert _api_status(live_server.url, raw_key) == 401
    assert ApiKey.objects.get(name="Deploy pipeline").revoked_by == admin


def test_a_member_of_two_accounts_switches_between_them(page, sign_in, member, account):
    globex = AccountFactory(slug="globex", name="Globex Brasil")
    MembershipFactory(user=member, account=globex, is_admin=True)
    sign_in(member)
    switcher = page.locator("#account-switcher")
    expect(switcher).to_have_value(account.slug)
    # A plain member of Acme sees no Account admin section.
    expect(_nav(page).get_by_role("link", name="API keys")).to_have_count(0)

    switcher.select_option("globex")
    expect(page.locator("#account-switcher")).to_have_value("globex")
    # In Globex the same person is an admin.
    expect(_nav(page).get_by_role("link", name="API keys")).to_be_visible()


def test_staff_watch_a_diagnostic_job_finish_on_a_real_worker(
    page, sign_in, staff, celery_processes
):
    celery_processes("worker")
    sign_in(staff)
    _nav(page).get_by_role("link", name="System status").click()
    page.get_by_role("button", name="Run pipeline diagnostic").click()

    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-state", "succeeded", timeout=60_000)
    expect(progress).to_contain_text("100%")
    expect(progress).to_contain_text("5 of 5 done")


def test_a_developer_fixes_a_manifest_until_it_is_valid(page, sign_in, developer):
    sign_in(developer)
    _nav(page).get_by_role("link", name="Manifest check").click()
    broken = {
        "manifest_version": 1,
        "version": "1.0",
        "authorization": "account",
        "redirect_uris": ["http://app.example.com/cb"],
        "scopes": [{"code": "crm.deals", "level": "read", "reason": "Reads deals."}],
        "webhooks": [{"id": "acc", "event": "crm.account.created", "url": "https://a.example/h"}],
    }
    page.get_by_label("Manifest").fill(json.dumps(broken, indent=2))
    page.get_by_role("button", name="Check manifest").click()

    problems = page.locator("#manifest-errors")
    expect(page.locator("#manifest-invalid")).to_have_text("3 problems")
    expect(problems).to_contain_text("$.version")
    expect(problems).to_contain_text("$.redirect_uris[0]")
    expect(problems).to_contain_text("declare crm:read or crm.accounts:read")

    fixed = {
        **broken,
        "version": "1.0.0",
        "redirect_uris": ["https://app.example.com/cb"],
        "scopes": [*broken["scopes"], {"code": "crm.accounts", "level": "read", "reason": "X"}],
    }
    page.get_by_label("Manifest").fill(json.dumps(fixed, indent=2))
    page.get_by_role("button", name="Check manifest").click()

    expect(page.locator("#manifest-valid")).to_be_visible()
    expect(page.locator("#effective-scopes")).to_contain_text("crm.accounts:read")
    expect(page.locator("#effective-scopes")).to_contain_text("View CRM deals and their items")
