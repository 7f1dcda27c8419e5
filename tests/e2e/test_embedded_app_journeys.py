"""Embedded apps in a real browser: a small app served on its own origin (a real HTTP
server on loopback) is opened from the main menu, loads the SDK from the marketplace and
calls it; the host answers only its own frame; a user-level app shows Authorize first; an
update that drops the menu item removes it at once; a member without access sees none."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess, UserAuthorization
from apps.installations.services import installation_settings_save, installation_update
from apps.oauth.models import AccessToken
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db(transaction=True)

SDK = "/static/sdk/marketplace-sdk-1.0.0.js"
SECRET = "sk_live_demo_0123456789abcdef"
SETTINGS = [
    {"key": "api_key", "level": "app", "type": "secret", "label": "API key"},
    {"key": "nickname", "level": "user", "type": "string", "label": "Nickname"},
]

APP_PAGE = """<!doctype html><meta charset="utf-8"><title>Demo app</title>
<script src="{marketplace}{sdk}"></script>
<h1>Demo app</h1>
<script>
function log(id, value) {{
  var p = document.createElement("p"); p.id = id;
  p.textContent = typeof value === "string" ? value : JSON.stringify(value);
  document.body.appendChild(p);
}}
(async function () {{
  // Nothing from a window other than the parent counts: a fake answer is ignored.
  window.postMessage({{marketplace: "host", id: 1, ok: true, result: {{domain: "evil"}}}}, "*");
  try {{
    var context = await MarketplaceSDK.init();
    log("context", context);
    var launch = await MarketplaceSDK.launchToken();
    log("launch-token", launch.launch_token);
    var verified = await fetch("/verify?token=" + encodeURIComponent(launch.launch_token));
    log("verified", await verified.text());
    var tokens = await MarketplaceSDK.auth.tokens();
    log("access-token", tokens.access_token);
    log("app-settings", await MarketplaceSDK.settings.app());
    log("user-settings", await MarketplaceSDK.settings.setUser({{nickname: "Sam"}}));
    var accounts = await MarketplaceSDK.api.request("GET", "crm/account/");
    log("api-status", String(accounts.status));
    try {{ await MarketplaceSDK.api.request("GET", "../../admin/"); }}
    catch (e) {{ log("api-refused", e.code); }}
    await MarketplaceSDK.ui.notify("Hello from the demo app", "success");
    await MarketplaceSDK.ui.resize(420);
    try {{ await MarketplaceSDK.ui.navigate("https://evil.example/"); }}
    catch (e) {{ log("navigate-refused", e.code); }}
    try {{ await MarketplaceSDK.call_nothing(); }} catch (e) {{}}
    var codes = [];
    for (var i = 0; i < 20; i++) {{
      try {{ await MarketplaceSDK.ui.resize(420); codes.push("ok"); }}
      catch (e) {{ codes.push(e.code); }}
    }}
    log("limited", codes.join(","));
    log("done", "yes");
  }} catch (e) {{
    log("error", e.code + ": " + e.message);
  }}
}})();
</script>"""

# A page that tries to drive the host: from its own origin and frame, not the app's.
INTRUDER = """<!doctype html><script>
parent.postMessage({marketplace: "sdk", protocol: 1, id: 99, method: "ui.notify",
                    params: {text: "Intruder was here"}}, "*");
</script>"""

CALLBACK = "<!doctype html><p>Authorized.</p><script>window.close()</script>"

# The SDK's own checks, outside the marketplace's frame.
SDK_ALONE = """<!doctype html><body><script src="{marketplace}{sdk}"></script><script>
function log(id, value) {{
  var p = document.createElement("p"); p.id = id; p.textContent = value;
  document.body.appendChild(p);
}}
MarketplaceSDK.context().catch(function (e) {{ log("before-init", e.code); }});
MarketplaceSDK.ui.notify("").catch(function (e) {{ log("empty-text", e.code); }});
MarketplaceSDK.init({{hostOrigin: "{marketplace}"}})
  .then(function () {{ log("init", "ok"); }})
  .catch(function (e) {{ log("init", e.code); }});
</script>"""

FRAMER = '<!doctype html><iframe id="framed" src="{src}"></iframe>'


class AppServer:
    """The demo app: its pages on ``http://127.0.0.1:<port>``; ``/verify`` checks a launch
    token as an app's backend would (against the marketplace's JWKS, its client id)."""

    def __init__(self, marketplace: str):
        server = self
        self.marketplace = marketplace
        self.client_id = ""
        self.verified: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/app":
                    body = APP_PAGE.format(marketplace=server.marketplace, sdk=SDK)
                elif parts.path == "/intruder":
                    body = INTRUDER
                elif parts.path == "/callback":
                    body = CALLBACK
                elif parts.path == "/sdk-alone":
                    body = SDK_ALONE.format(marketplace=server.marketplace, sdk=SDK)
                elif parts.path == "/framer":
                    body = FRAMER.format(src=query["src"])
                elif parts.path == "/verify":
                    try:
                        claims = jwt.decode(
                            query["token"], KeySet.import_key_set(jwks()), algorithms=["ES256"]
                        ).claims
                        assert claims["aud"] == server.client_id
                        server.verified.append(claims)
                        body = f"sub={claims['sub']}"
                    except Exception as exc:
                        body = f"refused: {type(exc).__name__}"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def app_server(live_server):
    server = AppServer(live_server.url)
    yield server
    server.stop()


def _embedding(app_server, embedding_id="menu", location="main_menu", title="Demo app"):
    return {
        "id": embedding_id,
        "location": location,
        "code": "demo.home",
        "url": f"{app_server.url}/app",
        "title": title,
    }


def _install(app_server, *, account, admin, sales_role, other_account, **manifest):
    app = make_app(account=other_account, name="Demo app", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        redirect_uris=[f"{app_server.url}/callback"],
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Shows your customers."}],
        webhooks=[],
        settings=SETTINGS,
        **manifest,
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    app_server.client_id = app.oauth_application.client_id
    return installation


@pytest.fixture
def demo(app_server, account, admin, sales_role, other_account):
    return _install(
        app_server,
        account=account,
        admin=admin,
        sales_role=sales_role,
        other_account=other_account,
        embeddings=[_embedding(app_server)],
    )


def _frame(page):
    return page.frame_locator("iframe.embedded__frame")


def test_a_member_opens_the_app_from_the_main_menu_and_uses_the_sdk(
    page, sign_in, member, demo, app_server, settings
):
    settings.EMBEDDING_SDK_CALLS_PER_MINUTE = 16
    admin = Membership.objects.get(account=demo.account, is_admin=True)
    installation_settings_save(
        installation=demo,
        level="app",
        user=None,
        values={"api_key": SECRET},
        actor=actor_for_user(user=admin.user, membership=admin),
    )
    sign_in(member)
    menu = page.locator("#app-menu")
    expect(menu.get_by_role("link", name="Demo app")).to_be_visible()
    menu.get_by_role("link", name="Demo app").click()

    iframe = page.locator("iframe.embedded__frame")
    expect(iframe).to_have_attribute(
        "sandbox", "allow-scripts allow-forms allow-popups allow-same-origin"
    )
    frame = _frame(page)
    expect(frame.locator("#done")).to_have_text("yes", timeout=20_000)
    expect(frame.locator("#error")).to_have_count(0)
    expect(page.locator("[data-embedded-loading]")).to_be_hidden()
    expect(page.locator("[data-embedded-failed]")).to_be_hidden()

    context = json.loads(frame.locator("#context").text_content())
    assert context["domain"] == "acme.localhost"
    assert context["embedding_id"] == "menu" and context["embedding"] == "demo.home"
    assert context["app"] == str(demo.app.code) and context["version"] == "1.0.0"
    # The app's backend verified the launch token against the JWKS: it knows who opened it.
    expect(frame.locator("#verified")).to_have_text(f"sub={member.pk}")
    (claims,) = app_server.verified
    assert claims["installation"] == demo.pk and claims["location"] == "main_menu"
    assert claims["access"] == ["crm.accounts:read"]
    # auth.tokens(): the member's own token for this installation.
    raw = frame.locator("#access-token").text_content()
    (token,) = AccessToken.objects.all()
    assert token.user == member and token.installation == demo
    assert raw and raw not in page.content()
    # Settings: a secret only as set; the user's own saved; the App API as the member.
    assert json.loads(frame.locator("#app-settings").text_content()) == {"api_key": {"set": True}}
    assert json.loads(frame.locator("#user-settings").text_content()) == {"nickname": "Sam"}
    assert SECRET not in page.content() and SECRET not in frame.locator("body").inner_html()
    expect(frame.locator("#api-status")).to_have_text("200")
    expect(frame.locator("#api-refused")).to_have_text("invalid")
    # The host showed the notification and resized the frame; navigating off-site refused.
    expect(page.locator("#embedded-notices")).to_contain_text("Hello from the demo app")
    expect(iframe).to_have_attribute("style", re.compile(r"height: 420px"))
    expect(frame.locator("#navigate-refused")).to_have_text("invalid")
    # The frame's calls are limited per minute: the last ones are refused.
    codes = frame.locator("#limited").text_content().split(",")
    assert "rate_limited" in codes and codes[0] == "ok"


def test_the_host_ignores_messages_from_another_frame_or_origin(
    page, sign_in, member, demo, app_server, live_server
):
    sign_in(member)
    page.goto(f"/apps/{demo.pk}/open/menu/")
    expect(_frame(page).locator("#done")).to_have_text("yes", timeout=20_000)
    # Another frame of the app's own origin, and a frame of another origin (localhost vs
    # 127.0.0.1), both post an SDK call to the host.
    other_origin = app_server.url.replace("127.0.0.1", "localhost")
    page.evaluate(
        """(urls) => urls.forEach((url) => {
            const f = document.createElement("iframe"); f.src = url; f.id = "intruder";
            document.body.appendChild(f);
        })""",
        [f"{app_server.url}/intruder", f"{other_origin}/intruder"],
    )
    page.wait_for_timeout(1500)
    expect(page.locator("#embedded-notices")).not_to_contain_text("Intruder")


def test_a_member_without_access_sees_no_menu_item(page, sign_in, member, demo):
    InstallationAccess.objects.filter(installation=demo).delete()
    sign_in(member)
    expect(page.locator("#app-menu-slot")).to_have_count(0)  # the menu has loaded
    expect(page.locator("#app-menu")).to_have_count(0)
    expect(page.locator("[data-embedded]")).to_have_count(0)


def test_an_update_that_drops_the_menu_item_removes_it_at_once(
    page, sign_in, member, admin, account, demo, app_server
):
    sign_in(member)
    expect(page.locator("#app-menu").get_by_role("link", name="Demo app")).to_be_visible()
    v2 = make_version(
        app=demo.app,
        number="1.1.0",
        status="published",
        redirect_uris=[f"{app_server.url}/callback"],
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Shows your customers."}],
        webhooks=[],
        settings=SETTINGS,
        embeddings=[_embedding(app_server, "widget", "dashboard.widget", "Demo widget")],
    )
    membership = Membership.objects.get(user=admin, account=account)
    installation_update(
        installation=demo,
        version=v2,
        actor=actor_for_user(user=admin, membership=membership),
        consent=True,
    )
    page.reload()
    expect(page.locator("#app-menu-slot")).to_have_count(0)
    expect(page.locator("#app-menu")).to_have_count(0)
    expect(page.locator(f'[data-widget="{demo.pk}:widget"]')).to_be_visible()
    expect(_frame(page).locator("#done")).to_have_text("yes", timeout=20_000)


def test_a_user_level_app_shows_authorize_then_works(
    page, sign_in, member, app_server, account, admin, sales_role, other_account
):
    installation = _install(
        app_server,
        account=account,
        admin=admin,
        sales_role=sales_role,
        other_account=other_account,
        authorization="user",
        embeddings=[_embedding(app_server)],
    )
    sign_in(member)
    page.locator("#app-menu").get_by_role("link", name="Demo app").click()
    expect(page.locator("iframe.embedded__frame")).to_have_count(0)
    with page.expect_popup() as popup_info:
        page.get_by_role("link", name="Authorize").click()
    popup = popup_info.value
    popup.get_by_role("button", name="Allow", exact=True).click()
    # The consent sends the pop-up to the app's callback, which closes it; the host then
    # finds the member authorized and loads the app.
    expect(_frame(page).locator("#done")).to_have_text("yes", timeout=20_000)
    assert UserAuthorization.objects.filter(installation=installation, user=member).exists()
    expect(_frame(page).locator("#verified")).to_have_text(f"sub={member.pk}")


def test_the_sdk_on_its_own_refuses_to_talk(page, app_server):
    """The SDK's own checks in the browser: not framed, not initialised, framed by a page
    that is not the marketplace named, an empty text."""
    page.goto(f"{app_server.url}/sdk-alone")
    expect(page.locator("#init")).to_have_text("not_embedded")
    expect(page.locator("#before-init")).to_have_text("not_initialized")
    expect(page.locator("#empty-text")).to_have_text("invalid")

    other_origin = app_server.url.replace("127.0.0.1", "localhost")
    page.goto(f"{other_origin}/framer?src={app_server.url}/sdk-alone")
    framed = page.frame_locator("#framed")
    expect(framed.locator("#init")).to_have_text("wrong_host")
