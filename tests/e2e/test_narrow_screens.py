"""Every console page at a phone's width (390 x 844), in a real browser, for each persona
of the demo data that ``make run`` loads.

The pages come from the console's URL patterns, their ids from the data below: a persona
visits every page that answers it 200 with HTML (the others are not theirs), and no page
may be wider than the window. The sidebar is folded away behind a "Menu" button there and
opens with it.
"""

import io
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import URLResolver, reverse
from playwright.sync_api import Browser, Page, expect

import console.urls
from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Group, Membership, Role, User
from apps.catalog.models import App, AppVersion
from apps.demo.management.commands.demo import DEMO_PASSWORD
from apps.installations.services import installation_access_set, installation_install
from apps.jobs.kinds import DIAGNOSTIC
from apps.jobs.models import Job
from apps.moderation.services import review_claim
from console.records.pages import PAGES
from tests.factories import ApiKeyFactory
from tests.factories.catalog import make_install_link

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 390, 844
PERSONAS = {
    "developer": "dev@devstudio.test",
    "account admin": "admin@acme.test",
    "member": "sales@acme.test",
    "moderator": "moderator@platform.test",
    "staff": "staff@platform.test",
    # Belongs to two accounts: the OAuth account picker is theirs.
    "member of two accounts": "multi@demo.test",
}
# Not pages of a person: actions that only take POST answer GET with 405 and are skipped on
# their own; these would sign the persona out or need a token from an e-mail.
NOT_VISITED = {"console:logout", "console:password-reset-confirm"}
# At least these, per persona, so the test cannot pass by visiting nothing.
MUST_SEE = {
    "developer": [
        "console:home",
        "console:developer:app-list",
        "console:developer:app-detail",
        "console:developer:version-detail",  # with the diff against the published version
        "console:developer:manifest-check",
        "console:jobs:job-list",
        "console:marketplace:app-list",
        "console:marketplace:app-detail",
    ],
    "account admin": [
        "console:accounts:member-list",
        "console:accounts:member-edit",
        "console:accounts:member-remove",
        "console:accounts:invitation-list",
        "console:accounts:invitation-create",
        "console:accounts:role-list",
        "console:accounts:role-edit",
        "console:accounts:role-delete",
        "console:accounts:group-edit",
        "console:accounts:event-list",
        "console:accounts:api_key-list",
        "console:installations:installation-list",
        "console:installations:installation-detail",
        "console:installations:installation-settings",
        "console:installations:installation-access",
        "console:installations:installation-update",
        "console:installations:installation-uninstall",
        "console:jobs:job-detail",
        "console:records:invoice-list",
        "console:records:invoice-detail",
        "console:records:task-edit",
        "console:records:crm_deal-delete",
        "oauth:authorize",  # the consent screen
    ],
    "member": [
        "console:installations:my_app-list",
        "console:installations:my_app-settings",
        "console:records:crm_account-list",
        "console:records:crm_account-detail",
        "console:records:crm_account-create",
        "console:records:crm_account-edit",
        "console:records:crm_contact-detail",
        "console:records:product-detail",  # read only
        "console:accounts:member-profile",
        "console:accounts:preferences",
    ],
    "moderator": ["console:moderation:review-list", "console:moderation:review-detail"],
    "staff": ["console:system:status", "console:system:job-detail"],
    "member of two accounts": ["oauth:authorize"],  # the account picker
}


@dataclass
class Site:
    """The demo data plus what the pages need ids of; ``pages`` maps the paths to try to
    their URL names."""

    pages: dict[str, str]
    # Patterns no persona visits: their ids are not filled in (files, images) or they are
    # listed in NOT_VISITED.
    unfilled: list[str] = field(default_factory=list)


def console_routes(patterns=None, prefix="console", outer=frozenset()):
    """``(url name, its parameters)`` of every named console page, includes flattened."""
    routes: list[tuple[str, frozenset[str]]] = []
    for entry in console.urls.urlpatterns if patterns is None else patterns:
        parameters = outer | set(entry.pattern.converters)
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}:{entry.namespace}" if entry.namespace else prefix
            routes += console_routes(entry.url_patterns, namespace, parameters)
        elif entry.name:
            routes.append((f"{prefix}:{entry.name}", parameters))
    return routes


@pytest.fixture
def site(db) -> Site:
    call_command("demo", force=True, stdout=io.StringIO())
    acme = Account.objects.get(slug="acme")
    admin = Membership.objects.select_related("user").get(
        account=acme, user__email=PERSONAS["account admin"]
    )
    invoicer = App.objects.get(name="Invoicer")
    published = AppVersion.objects.get(app=invoicer, number="1.0.0")
    submitted = AppVersion.objects.get(app=invoicer, number="1.1.0")
    installation = installation_install(
        account=acme, version=published, actor=actor_for_user(user=admin.user, membership=admin)
    )
    installation_access_set(
        installation=installation,
        role_ids=[Role.objects.get(account=acme, name="Sales").pk],
        group_ids=[],
        actor=actor_for_user(user=admin.user, membership=admin),
    )
    review_claim(
        version=submitted, actor=actor_for_user(user=User.objects.get(email=PERSONAS["moderator"]))
    )
    job = Job.objects.create(
        kind=DIAGNOSTIC, account=acme, target="pipeline diagnostic", progress_total=5
    )
    api_key, _raw = ApiKeyFactory(account=acme, name="Nightly export from the data warehouse")
    _link, token = make_install_link(version=submitted)
    ids = {
        "installation_id": installation.pk,
        "code": invoicer.code,
        "number": submitted.number,
        "version_id": submitted.pk,
        "job_id": job.pk,
        "key_id": api_key.pk,
        "link_id": _link.pk,
        "user_id": User.objects.get(email=PERSONAS["member"]).pk,
        "token": token,
        "embedding_id": published.manifest["embeddings"][0]["id"],
        "role_id": Role.objects.get(account=acme, name="Sales").pk,
        "group_id": Group.objects.get_or_create(account=acme, name="North")[0].pk,
    }
    # A record page's id: the first of acme's records of its model in the demo data.
    records = {}
    for record_page in PAGES:
        first = record_page.model._default_manager.filter(account=acme).order_by("pk").first()
        if first is not None:
            records[f"console:records:{record_page.slug}-"] = first.pk
    site = Site(pages={})
    for name, parameters in console_routes():
        prefix = name.rsplit("-", 1)[0] + "-"
        if parameters == {"record_id"} and prefix in records:
            site.pages[reverse(name, kwargs={"record_id": records[prefix]})] = name
            continue
        if name in NOT_VISITED or parameters - set(ids):
            site.unfilled.append(name)
            continue
        kwargs = {key: ids[key] for key in parameters}
        site.pages[reverse(name, kwargs=kwargs)] = name
    # Outside the console's patterns, in its layout: the OAuth consent screen and picker.
    connector = App.objects.select_related("oauth_application").get(name="Example Connector")
    connector_version = connector.versions.get(number="1.0.0")
    authorize = "/oauth/authorize/?" + urlencode(
        {
            "client_id": connector.oauth_application.client_id,
            "response_type": "code",
            "redirect_uri": connector_version.manifest["redirect_uris"][0],
            "state": "narrow",
        }
    )
    site.pages[authorize] = "oauth:authorize"
    return site


def _signed_in(browser: Browser, base_url: str, email: str) -> Page:
    context = browser.new_context(base_url=base_url, viewport={"width": WIDTH, "height": HEIGHT})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


# The width of the page and, when it is wider than the window, the innermost elements that
# stick out (those inside a box that scrolls sideways are that box's business).
WIDER_THAN_WINDOW = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= window.innerWidth) return null;
    const out = (el) => el.getBoundingClientRect().right > window.innerWidth + 0.5;
    const scrolled = (el) => {
        for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
            if (["auto", "scroll", "hidden"].includes(getComputedStyle(box).overflowX)) return true;
        }
        return false;
    };
    const culprits = [...document.querySelectorAll("body *")]
        .filter((el) => out(el) && !scrolled(el) && ![...el.children].some(out))
        .slice(0, 3)
        .map((el) => [el.tagName.toLowerCase(), ...el.classList].join(".")
            + " " + JSON.stringify((el.textContent || "").trim().slice(0, 40)));
    return {scrollWidth: root.scrollWidth, culprits};
}"""


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_no_page_is_wider_than_a_phone(browser, live_server, site, persona):
    page = _signed_in(browser, live_server.url, PERSONAS[persona])
    too_wide: dict[str, object] = {}
    visited: set[str] = set()
    try:
        for path, name in site.pages.items():
            # Asked first without the browser: a page that is not theirs costs no rendering.
            answer = page.request.get(path, max_redirects=0)
            if answer.status != 200 or not answer.headers["content-type"].startswith("text/html"):
                continue
            page.goto(path)
            visited.add(name)
            wider = page.evaluate(WIDER_THAN_WINDOW)
            if wider:
                too_wide[path] = wider
    finally:
        page.context.close()

    assert set(MUST_SEE[persona]) <= visited, f"{persona} did not open every page of theirs"
    assert too_wide == {}, f"wider than {WIDTH}px for {persona}: {json.dumps(too_wide, indent=1)}"


def test_the_sidebar_is_folded_on_a_phone_and_opens_with_menu(page, sign_in, admin):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    sign_in(admin)
    nav = page.get_by_role("navigation", name="Sections")
    members = nav.get_by_role("link", name="Members")

    expect(members).to_be_hidden()
    nav.get_by_text("Menu", exact=True).click()
    expect(members).to_be_visible()
    members.click()
    expect(page.get_by_role("heading", level=1, name="Members")).to_be_visible()
    expect(nav.get_by_role("link", name="Members")).to_be_hidden()

    # On a wide screen the sidebar is open and there is no Menu to press.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(nav.get_by_role("link", name="Members")).to_be_visible()
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
