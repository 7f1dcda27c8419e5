"""The SDK's own tests, run in the browser: ``tests/sdk/browser/`` (a tiny runner and the
tests, no build step) served from an app's own origin, framed by the marketplace as a
CRM account card, with the real host bridge and the real bridge endpoints behind it.
The page reports each test in its DOM; every one must pass."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import InstallationAccess
from apps.installations.services import installation_settings_save
from apps.modules.models import CrmAccount
from tests.apps.modules.records import make_record
from tests.e2e.pages_server import PagesServer
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db(transaction=True)

SUITE = Path(__file__).resolve().parents[1] / "sdk" / "browser"
SECRET = "sk_live_sdk_tests_0123456789"


@pytest.fixture
def suite_server():
    server = PagesServer({}, root=SUITE)
    yield server
    server.stop()


@pytest.fixture
def suite_card(suite_server, account, admin, sales_role, other_account):
    app = make_app(account=other_account, name="SDK tests", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        scopes=[{"code": "crm.accounts", "level": "full", "reason": "Tests the SDK."}],
        webhooks=[],
        settings=[
            {"key": "api_key", "level": "app", "type": "secret", "label": "API key"},
            {"key": "nickname", "level": "user", "type": "string", "label": "Nickname"},
        ],
        embeddings=[
            {
                "id": "sdk-tests",
                "location": "crm.account.card",
                "code": "sdk.tests",
                "url": f"{suite_server.url}/files/index.html",
                "title": "SDK tests",
            }
        ],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    membership = Membership.objects.get(user=admin, account=account)
    installation_settings_save(
        installation=installation,
        level="app",
        user=None,
        values={"api_key": SECRET},
        actor=actor_for_user(user=admin, membership=membership),
    )
    return installation


def test_the_sdks_own_tests_pass_in_the_browser(page, sign_in, member, account, suite_card):
    customer = make_record(CrmAccount, account)
    sign_in(member)
    page.goto(f"/records/crm/accounts/{customer.pk}/")
    frame = page.frame_locator(f'[data-record-card="{suite_card.pk}:sdk-tests"] iframe')
    # The dialog tests wait for an answer: OK to the alert, Cancel to the question.
    dialog = page.locator("dialog.embedded-dialog")
    expect(dialog).to_contain_text("An alert from the SDK tests", timeout=30_000)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_contain_text("A question from the SDK tests")
    dialog.get_by_role("button", name="Cancel").click()

    summary = frame.locator("#summary")
    expect(summary).to_have_attribute("data-state", "done", timeout=60_000)
    failures = frame.locator("#results li.fail").all_text_contents()
    assert failures == []
    assert int(summary.get_attribute("data-passed")) == frame.locator("#results li").count() >= 25

    # What the tests did showed on the host page, and nothing a forged frame asked for.
    notices = page.locator("#embedded-notices")
    expect(notices).to_contain_text("Hello from the SDK tests")
    expect(notices).not_to_contain_text("Intruder")
    customer.refresh_from_db()
    assert customer.name == "Renamed again"
    assert SECRET not in page.content()
    assert SECRET not in frame.locator("body").inner_html()
