"""People pages in a real browser: an admin opens a member's profile from the members
list and an app's ``users.profile.card`` loads on it (a small app on its own loopback
origin, using the SDK; its backend verifies the launch token); a user who saves another
interface language in one tab has the app open in another told (``lang.changed``)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db(transaction=True)

CARD_PAGE = """<!doctype html><meta charset="utf-8"><title>Timesheets</title>
<script src="{marketplace}/static/sdk/marketplace-sdk-1.0.0.js"></script>
<script>
function log(id, value) {{
  var p = document.createElement("p"); p.id = id;
  p.textContent = typeof value === "string" ? value : JSON.stringify(value);
  document.body.appendChild(p);
}}
var changes = [];
MarketplaceSDK.on("lang.changed", function (data) {{
  changes.push(data.lang); log("lang-changed", changes.join(","));
}});
(async function () {{
  try {{
    log("context", await MarketplaceSDK.init());
    var launch = await MarketplaceSDK.launchToken();
    var verified = await fetch("/verify?token=" + encodeURIComponent(launch.launch_token));
    log("verified", await verified.text());
  }} catch (e) {{ log("error", e.code + ": " + e.message); }}
}})();
</script>"""


class CardServer:
    """The app's card page on ``http://127.0.0.1:<port>/card``; ``/verify`` checks a
    launch token against the marketplace's JWKS and the app's client id."""

    def __init__(self, marketplace: str):
        server = self
        self.client_id = ""
        self.verified: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/card":
                    body = CARD_PAGE.format(marketplace=marketplace)
                elif parts.path == "/verify":
                    try:
                        claims = jwt.decode(
                            query["token"], KeySet.import_key_set(jwks()), algorithms=["ES256"]
                        ).claims
                        assert claims["aud"] == server.client_id
                        server.verified.append(claims)
                        body = f"sub={claims['sub']} record={json.dumps(claims['record'])}"
                    except Exception as exc:
                        body = f"refused: {type(exc).__name__}"
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def card_server(live_server):
    server = CardServer(live_server.url)
    yield server
    server.stop()


@pytest.fixture
def timesheets(card_server, account, admin, sales_role, other_account):
    """Timesheets: a user profile card, reading the users module, open to Sales."""
    app = make_app(account=other_account, name="Timesheets", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        scopes=[{"code": "users", "level": "read", "reason": "Shows the person's timesheets."}],
        webhooks=[],
        embeddings=[
            {
                "id": "profile",
                "location": "users.profile.card",
                "code": "timesheets.person",
                "url": f"{card_server.url}/card",
                "title": "Timesheets",
            }
        ],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    card_server.client_id = app.oauth_application.client_id
    return installation


def test_an_admin_opens_a_members_profile_and_its_app_card_loads(
    page, sign_in, admin, member, timesheets, card_server
):
    sign_in(admin)
    page.goto("/accounts/members/")
    page.locator(f'a[href="/accounts/people/{member.pk}/"]').click()
    expect(page.get_by_role("heading", name=member.get_full_name())).to_be_visible()
    expect(page.locator("[data-member-profile]")).to_contain_text("Sales")

    card = page.locator(f'[data-record-card="{timesheets.pk}:profile"]')
    expect(card).to_contain_text("Timesheets")
    frame = page.frame_locator("iframe.embedded__frame")
    expect(frame.locator("#verified")).to_have_text(
        f'sub={admin.pk} record={{"model": "users.user", "id": {member.pk}}}', timeout=20_000
    )
    expect(frame.locator("#error")).to_have_count(0)
    expect(card.locator("[data-embedded-loading]")).to_be_hidden()
    context = json.loads(frame.locator("#context").text_content())
    assert context["record"] == f"users.user:{member.pk}"
    assert context["location"] == "users.profile.card"
    (claims,) = card_server.verified
    assert claims["location"] == "users.profile.card" and claims["access"] == ["users:read"]


def test_a_member_whose_role_does_not_read_users_sees_the_profile_without_the_card(
    page, sign_in, admin, member, timesheets
):
    sign_in(member)
    page.goto(f"/accounts/people/{admin.pk}/")
    expect(page.get_by_role("heading", name=admin.get_full_name())).to_be_visible()
    expect(page.locator("[data-record-card]")).to_have_count(0)
    expect(page.locator("iframe")).to_have_count(0)


def test_saving_another_language_tells_the_app_open_in_another_tab(
    page, sign_in, admin, member, timesheets
):
    sign_in(admin)
    page.goto(f"/accounts/people/{member.pk}/")
    frame = page.frame_locator("iframe.embedded__frame")
    expect(frame.locator("#context")).to_contain_text('"lang":"en"', timeout=20_000)

    preferences = page.context.new_page()
    preferences.goto("/")
    preferences.get_by_label("User menu").click()
    preferences.get_by_role("link", name="Preferences").click()
    preferences.get_by_label("Interface language").select_option("pt")
    preferences.get_by_role("button", name="Save").click()
    expect(preferences.get_by_text("Apps now speak Português to you")).to_be_visible()

    # The open card was told once, and a frame loaded from now on gets the new language.
    expect(frame.locator("#lang-changed")).to_have_text("pt")
    preferences.reload()
    page.wait_for_timeout(500)
    expect(frame.locator("#lang-changed")).to_have_text("pt")
    page.reload()
    expect(frame.locator("#context")).to_contain_text('"lang":"pt"', timeout=20_000)
    preferences.close()
