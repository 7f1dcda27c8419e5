"""Journeys of installing and authorizing apps, in a real browser, starting from the demo
data that ``make run`` loads.

An admin installs Invoicer from the catalog through the consent screen, or cancels it; a
member authorizes a user-level app once and is sent straight back the next time; an admin
updates an installation to a version that asks for more, from the console's Update page or
through the consent screen an app sends them to; a visitor who is not signed in signs in
and lands on the same consent step.

The app itself lies outside these tests: requests to its host are answered by the browser
with a small page (``page.route``), and the journeys read the callback address it got.
"""

import io
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.core.management import call_command
from oauth2_provider.models import get_grant_model
from playwright.sync_api import Page, Route, expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Membership, Role, User
from apps.catalog.models import App, AppVersion, VersionStatus
from apps.catalog.services import version_publish
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.demo.management.commands.demo_catalog import INVOICER_HOST
from apps.installations.models import (
    Installation,
    InstallationEvent,
    InstallationStatus,
    UserAuthorization,
)
from apps.installations.services import installation_access_set, installation_install
from apps.moderation.policies import CHECKLIST_KEYS
from apps.moderation.services import review_approve, review_claim
from tests.factories.catalog import make_app_with_secret, make_version
from tests.factories.oauth import api_get, exchange, pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = "admin@acme.test"
SALES = "sales@acme.test"
MODERATOR = "moderator@platform.test"
INVOICER_CALLBACK = f"https://{INVOICER_HOST}/oauth/callback"
NOTES_HOST = "notes.devstudio.example.com"
NOTES_CALLBACK = f"https://{NOTES_HOST}/oauth/callback"
INVOICER_V1_SCOPES = ["crm.accounts:read", "fin.invoices:full"]
Grant = get_grant_model()


@pytest.fixture
def demo(db):
    call_command("demo", force=True, stdout=io.StringIO())


@pytest.fixture
def browser_as(browser, live_server):
    """``browser_as(email)``: a new signed-in browser page of its own (own cookies);
    ``browser_as(None)``: a page nobody is signed in on."""
    contexts = []

    def open_as(email: str | None) -> Page:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if email is not None:
            page.goto("/login/")
            _sign_in_form(page, email)
            page.wait_for_url("**/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def _nav(page: Page):
    return page.get_by_role("navigation", name="Sections")


def _sign_in_form(page: Page, email: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


REDIRECTS = (301, 302, 303, 307, 308)
APP_PAGE = "<!doctype html><title>App</title><h1 id='app-callback'>Back in the app</h1>"


@dataclass
class AppStub:
    """What the browser exchanged with the app's host and with the authorize step."""

    requested: list[str] = field(default_factory=list)
    # (method, status) of each answer of the authorize step, as the server gave it
    authorize: list[tuple[str, int]] = field(default_factory=list)


def _app_answers(page: Page, host: str) -> AppStub:
    """Answer every request to the app at ``host`` with a small page of its own.

    Playwright never routes the target of a redirect, and the authorize step answers with
    one. So its answers are fetched as they are (and noted): one that sends the browser to
    ``host`` becomes a page that goes there (a navigation of its own, which is routed); any
    other is handed to the browser unchanged.
    """
    stub = AppStub()

    def app(route: Route) -> None:
        stub.requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=APP_PAGE)

    def authorize(route: Route) -> None:
        response = route.fetch(max_redirects=0)
        stub.authorize.append((route.request.method, response.status))
        location = response.headers.get("location", "")
        if response.status in REDIRECTS and urlparse(location).hostname == host:
            route.fulfill(
                status=200,
                content_type="text/html",
                body=f"<!doctype html><script>location.replace({json.dumps(location)})</script>",
            )
        else:
            route.fulfill(response=response)

    page.route(f"https://{host}/**", app)
    page.route("**/oauth/authorize/**", authorize)
    return stub


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def _wait_for_callback(page: Page, callback: str, state: str | None = None) -> dict[str, str]:
    """Wait until the browser is at the app's ``callback`` (with ``state``, when the page
    may still show an earlier callback); its query parameters."""
    page.wait_for_url(
        lambda url: (
            url.startswith(callback + "?") and (state is None or _query(url).get("state") == state)
        )
    )
    expect(page.locator("#app-callback")).to_be_visible()
    return _query(page.url)


def _authorize_path(app: App, **params: str) -> str:
    query = {
        "client_id": app.oauth_application.client_id,
        "response_type": "code",
        "redirect_uri": params.pop("redirect_uri"),
        **params,
    }
    return "/oauth/authorize/?" + urlencode(query)


def _invoicer() -> App:
    return App.objects.select_related("oauth_application").get(name="Invoicer")


def _acme() -> Account:
    return Account.objects.get(slug="acme")


def _membership(email: str) -> Membership:
    return Membership.objects.select_related("account", "user").get(
        user__email=email, account__slug="acme"
    )


def _expect_invoicer_consent(page: Page) -> None:
    consent = page.locator("#consent")
    expect(consent.get_by_role("heading", name="Install Invoicer on Acme Corp?")).to_be_visible()
    facts = consent.locator("dl.facts")
    expect(facts).to_contain_text("Invoicer")
    expect(facts).to_contain_text("Dev Studio")
    expect(facts).to_contain_text("1.0.0")
    scopes = consent.locator("#consent-new")
    expect(scopes.locator("li")).to_have_count(2)
    expect(scopes).to_contain_text("crm.accounts:read")
    expect(scopes).to_contain_text("Why: Shows the customer on each invoice.")
    expect(scopes).to_contain_text("fin.invoices:full")
    expect(scopes).to_contain_text("Why: Creates and updates invoices from won deals.")
    expect(consent.locator("#consent-approved")).to_have_count(0)


def _install_from_catalog(admin: Page) -> None:
    """Marketplace > Invoicer > Install > the preview's Install: the consent screen."""
    _nav(admin).get_by_role("link", name="Browse apps").click()
    admin.locator("#main").get_by_role("link", name="Invoicer").first.click()
    admin.locator("#install-button").click()
    expect(admin.locator("#install-preview")).to_contain_text("Invoicer 1.0.0")
    target = admin.locator("#install-target")
    expect(target).to_contain_text("It would be installed into Acme Corp")
    target.get_by_role("link", name="Install", exact=True).click()


def test_an_admin_installs_an_app_from_the_catalog_with_consent(demo, browser_as):
    admin = browser_as(ADMIN)
    stub = _app_answers(admin, INVOICER_HOST)
    invoicer = _invoicer()

    _install_from_catalog(admin)
    _expect_invoicer_consent(admin)
    admin.get_by_role("button", name="Allow and Install").click()

    # An install the marketplace starts sends no state; the app learns the account.
    params = _wait_for_callback(admin, INVOICER_CALLBACK)
    assert set(params) == {"code", "iss", "account"}
    assert params["account"] == "acme"
    assert len(stub.requested) == 1
    assert stub.authorize == [("GET", 200), ("POST", 302)]

    installation = Installation.objects.select_related("version", "installed_by").get(
        account=_acme(), app=invoicer
    )
    assert installation.status == InstallationStatus.ACTIVE
    assert installation.version.number == "1.0.0"
    assert installation.granted_scopes == INVOICER_V1_SCOPES
    assert installation.installed_by.email == ADMIN
    assert list(installation.events.values_list("kind", flat=True)) == ["installed"]
    assert list(installation.webhook_subscriptions.values_list("webhook_id", flat=True)) == [
        "invoice-updated"
    ]
    assert Grant.objects.filter(installation=installation, user__email=ADMIN).count() == 1

    # Back in the console, the Installed apps page lists it, and the catalog says so.
    admin.goto("/")
    _nav(admin).get_by_role("link", name="Installed apps").click()
    row = admin.locator("#installation-list").get_by_role("row").filter(has_text="Invoicer")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Dev Studio")
    expect(row).to_contain_text("1.0.0")
    expect(row).to_contain_text(f"by {ADMIN}")
    _nav(admin).get_by_role("link", name="Browse apps").click()
    admin.locator("#main").get_by_role("link", name="Invoicer").first.click()
    expect(admin.locator("#installed-badge")).to_have_text("Installed: version 1.0.0")
    expect(admin.locator("#install-button")).to_have_count(0)


def test_cancel_on_the_consent_screen_installs_nothing(demo, browser_as):
    admin = browser_as(ADMIN)
    stub = _app_answers(admin, INVOICER_HOST)
    invoicer = _invoicer()

    _install_from_catalog(admin)
    _expect_invoicer_consent(admin)
    admin.get_by_role("button", name="Cancel").click()

    params = _wait_for_callback(admin, INVOICER_CALLBACK)
    assert params.pop("iss").startswith("http://")  # RFC 9207: errors carry the issuer too
    assert params == {"error": "user_denied", "error_description": "The user cancelled."}
    assert stub.authorize == [("GET", 200), ("POST", 302)]
    assert not Installation.objects.filter(app=invoicer).exists()
    assert not InstallationEvent.objects.exists()
    assert not Grant.objects.exists()


NOTES_SCOPES = [
    {"code": "user.me", "level": "read", "reason": "Signs your notes with your name."},
    {"code": "crm.deals", "level": "read", "reason": "Links each note to its deal."},
]


@pytest.fixture
def user_level_app(demo):
    """Team Notes, a user-level app of Dev Studio, installed on Acme by its admin for the
    Sales role. ``(app, client secret)``."""
    developer = User.objects.get(email="dev@devstudio.test")
    app, secret = make_app_with_secret(
        account=Account.objects.get(slug="devstudio"), name="Team Notes", user=developer
    )
    version = make_version(
        app=app,
        status=VersionStatus.PUBLISHED,
        authorization="user",
        redirect_uris=[NOTES_CALLBACK],
        scopes=NOTES_SCOPES,
        webhooks=[],
        embeddings=[],
        settings=[],
    )
    admin = _membership(ADMIN)
    installation = installation_install(
        account=admin.account,
        version=version,
        actor=actor_for_user(user=admin.user, membership=admin),
    )
    installation_access_set(
        installation=installation,
        role_ids=[Role.objects.get(account=admin.account, name="Sales").pk],
        group_ids=[],
        actor=actor_for_user(user=admin.user, membership=admin),
    )
    app.refresh_from_db()
    return app, secret


def test_a_member_authorizes_a_user_level_app_once(user_level_app, browser_as):
    app, secret = user_level_app
    installation = Installation.objects.get(app=app, account=_acme())
    sales = browser_as(SALES)
    stub = _app_answers(sales, NOTES_HOST)
    verifier, challenge = pkce_pair()
    url = _authorize_path(
        app,
        redirect_uri=NOTES_CALLBACK,
        state="n-1",
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    sales.goto(url)
    consent = sales.locator("#consent")
    expect(
        consent.get_by_role("heading", name="Allow Team Notes to act for you on Acme Corp?")
    ).to_be_visible()
    expect(consent.locator("dl.facts")).to_contain_text("Dev Studio")
    expect(consent.locator("#consent-new li")).to_have_count(2)
    expect(consent.locator("#consent-new")).to_contain_text("Why: Signs your notes with your name.")
    expect(consent.locator("#consent-new")).to_contain_text("Why: Links each note to its deal.")
    sales.get_by_role("button", name="Allow", exact=True).click()

    params = _wait_for_callback(sales, NOTES_CALLBACK)
    assert (params["state"], params["account"]) == ("n-1", "acme")
    assert stub.authorize == [("GET", 200), ("POST", 302)]
    record = UserAuthorization.objects.get(installation=installation)
    assert record.user.email == SALES
    assert sorted(record.scopes) == ["crm.deals:read", "user.me:read"]

    first_code = params["code"]

    # The app exchanges the code; the token acts for the member who authorized it.
    tokens = exchange(
        app.oauth_application.client_id,
        secret,
        params["code"],
        verifier,
        redirect_uri=NOTES_CALLBACK,
    )
    assert tokens.status_code == 200, tokens.content
    me = api_get("/api/v1/users/me", tokens.json()["access_token"])
    assert me.status_code == 200, me.content
    assert me.json()["email"] == SALES

    # The next time the app sends the member, the authorize step sends them straight back
    # with a new code: no consent screen.
    stub.authorize.clear()
    sales.goto(url.replace("state=n-1", "state=n-2"))
    params = _wait_for_callback(sales, NOTES_CALLBACK, state="n-2")
    assert stub.authorize == [("GET", 302)]
    assert params["code"] != first_code
    assert UserAuthorization.objects.filter(installation=installation).count() == 1
    assert list(installation.events.values_list("kind", flat=True)) == [
        "installed",
        "access_changed",
        "user_authorized",
    ]


@pytest.fixture
def invoicer_installed_with_update(demo):
    """Invoicer 1.0.0 installed on Acme; 1.1.0 (two more scopes) approved and published."""
    invoicer = _invoicer()
    admin = _membership(ADMIN)
    installation_install(
        account=admin.account,
        version=AppVersion.objects.get(app=invoicer, number="1.0.0"),
        actor=actor_for_user(user=admin.user, membership=admin),
    )
    newer = AppVersion.objects.get(app=invoicer, number="1.1.0")
    moderator = User.objects.get(email=MODERATOR)
    review_claim(version=newer, actor=actor_for_user(user=moderator))
    review_approve(
        version=newer,
        actor=actor_for_user(user=moderator),
        checklist=dict.fromkeys(CHECKLIST_KEYS, True),
    )
    version_publish(
        version=newer, actor=actor_for_user(user=User.objects.get(email="dev@devstudio.test"))
    )
    return invoicer


def _expect_update_split(new, approved) -> None:
    """Invoicer 1.1.0 against the installed 1.0.0: two new scopes, two already approved."""
    expect(new.locator("li")).to_have_count(2)
    expect(new).to_contain_text("crm.deals:read")
    expect(new).to_contain_text("task:full")
    expect(approved.locator("li")).to_have_count(2)
    expect(approved).to_contain_text("crm.accounts:read")
    expect(approved).to_contain_text("fin.invoices:full")


def _assert_invoicer_updated(invoicer: App) -> None:
    installation = Installation.objects.select_related("version").get(
        account=_acme(), app=invoicer, status=InstallationStatus.ACTIVE
    )
    assert installation.version.number == "1.1.0"
    assert installation.granted_scopes == [
        "crm.accounts:read",
        "crm.deals:read",
        "fin.invoices:full",
        "task:full",
    ]
    assert list(installation.events.values_list("kind", flat=True)) == ["installed", "updated"]
    assert sorted(installation.webhook_subscriptions.values_list("webhook_id", flat=True)) == [
        "deal-updated",
        "invoice-updated",
    ]


def test_an_admin_updates_from_the_console_to_a_version_that_asks_for_more(
    invoicer_installed_with_update, browser_as
):
    invoicer = invoicer_installed_with_update
    admin = browser_as(ADMIN)

    _nav(admin).get_by_role("link", name="Installed apps").click()
    row = admin.locator("#installation-list").get_by_role("row").filter(has_text="Invoicer")
    expect(row.locator(".update-available")).to_have_text("Update available: 1.1.0")
    row.get_by_role("link", name="Invoicer").click()
    admin.get_by_role("link", name="Update to 1.1.0").click()

    expect(admin.get_by_role("heading", name="Update Invoicer", exact=True)).to_be_visible()
    expect(admin.get_by_role("heading", name="New: asks for more")).to_be_visible()
    expect(admin.get_by_role("heading", name="Already approved")).to_be_visible()
    _expect_update_split(admin.locator("#scopes-new"), admin.locator("#scopes-approved"))
    expect(admin.locator("#scopes-removed")).to_have_count(0)

    # Without agreeing to the new access, nothing changes.
    admin.get_by_role("button", name="Update to 1.1.0").click()
    expect(admin.locator("#consent-field")).to_contain_text(
        "Agree to the new access to update, or cancel."
    )
    installation = Installation.objects.select_related("version").get(app=invoicer)
    assert installation.version.number == "1.0.0"
    assert installation.granted_scopes == INVOICER_V1_SCOPES
    assert list(installation.events.values_list("kind", flat=True)) == ["installed"]

    admin.get_by_label("I have read the new access it asks for").check()
    admin.get_by_role("button", name="Update to 1.1.0").click()
    expect(admin.locator(".messages")).to_contain_text("is updated to version 1.1.0")
    expect(admin.get_by_role("link", name="Update to 1.1.0")).to_have_count(0)
    _assert_invoicer_updated(invoicer)


def test_an_app_sends_the_admin_to_consent_to_an_update_that_asks_for_more(
    invoicer_installed_with_update, browser_as
):
    invoicer = invoicer_installed_with_update
    admin = browser_as(ADMIN)
    _app_answers(admin, INVOICER_HOST)

    admin.goto(
        _authorize_path(invoicer, redirect_uri=INVOICER_CALLBACK, state="u-1", version="1.1.0")
    )
    consent = admin.locator("#consent")
    expect(consent.get_by_role("heading", name="Update Invoicer on Acme Corp?")).to_be_visible()
    expect(consent.locator("dl.facts")).to_contain_text("1.1.0 (installed: 1.0.0)")
    expect(consent.get_by_role("heading", name="New: it asks to")).to_be_visible()
    expect(consent.get_by_role("heading", name="Already approved")).to_be_visible()
    _expect_update_split(consent.locator("#consent-new"), consent.locator("#consent-approved"))
    expect(consent.locator("#consent-new")).to_contain_text("Why: Turns won deals into invoices.")
    admin.get_by_role("button", name="Allow and Update").click()

    params = _wait_for_callback(admin, INVOICER_CALLBACK)
    assert (params["state"], params["account"]) == ("u-1", "acme")
    assert "code" in params
    _assert_invoicer_updated(invoicer)


def test_a_visitor_signs_in_and_lands_on_the_same_consent_step(demo, browser_as, live_server):
    visitor = browser_as(None)
    _app_answers(visitor, INVOICER_HOST)
    invoicer = _invoicer()
    path = _authorize_path(invoicer, redirect_uri=INVOICER_CALLBACK, state="v-1")

    visitor.goto(path)
    visitor.wait_for_url("**/login/**")
    assert parse_qs(urlparse(visitor.url).query)["next"] == [path]
    expect(visitor.locator("#consent")).to_have_count(0)
    assert not Installation.objects.exists()

    _sign_in_form(visitor, ADMIN)
    _expect_invoicer_consent(visitor)
    assert visitor.url == live_server.url + path
    assert not Installation.objects.exists()

    visitor.get_by_role("button", name="Allow and Install").click()
    params = _wait_for_callback(visitor, INVOICER_CALLBACK)
    assert (params["state"], params["account"]) == ("v-1", "acme")
    assert Installation.objects.get(app=invoicer).granted_scopes == INVOICER_V1_SCOPES
