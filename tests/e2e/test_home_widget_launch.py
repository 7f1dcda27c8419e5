"""A home widget launched lazily, in a real browser: the home page gives the widget's
frame a signed launch URL; loading it sends the frame to the app's page with the launch
context and a launch token, which the app's backend verifies against the JWKS before it
trusts anything, as for any embedding; a modal the widget opens gets a token of its own."""

import re

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from playwright.sync_api import expect

from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from tests.e2e.pages_server import PagesServer
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = """<!doctype html><meta charset="utf-8"><title>Widget</title>
<p id="verified">{verified}</p><p id="lang">{lang}</p><p id="dialog"></p>
<script src="{marketplace}/static/sdk/marketplace-sdk-1.0.0.js"></script>
<script>
MarketplaceSDK.init().then(function () {{
  if ({opener}) {{
    MarketplaceSDK.ui.modal("/dialog").then(function (value) {{
      document.getElementById("dialog").textContent = "closed: " + value;
    }});
  }} else {{
    document.getElementById("dialog").textContent = "in the dialog";
  }}
}});
</script>"""


class WidgetApp:
    """The app's pages, each verifying the launch token of its own address on the server,
    as an app's backend does, before showing whom it was opened by."""

    def __init__(self, marketplace: str):
        self.marketplace = marketplace
        self.client_id = ""
        self.seen: list[dict] = []
        self.server = PagesServer({"/widget": self.widget, "/dialog": self.dialog})
        self.url = self.server.url

    def verified(self, query: dict[str, str]) -> str:
        try:
            token = jwt.decode(
                query.get("launch_token", ""), KeySet.import_key_set(jwks()), algorithms=["ES256"]
            )
        except (JoseError, ValueError) as exc:
            return f"refused: {type(exc).__name__}"
        claims = token.claims
        if claims["aud"] != self.client_id:
            return "refused: audience"
        self.seen.append(claims)
        return f"sub={claims['sub']} at {claims['location']}"

    def page(self, query: dict[str, str], opener: bool) -> str:
        return PAGE.format(
            verified=self.verified(query),
            lang=query.get("lang", ""),
            marketplace=self.marketplace,
            opener="true" if opener else "false",
        )

    def widget(self, query: dict[str, str]) -> str:
        return self.page(query, opener=True)

    def dialog(self, query: dict[str, str]) -> str:
        return self.page(query, opener=False)


@pytest.fixture
def widget_app(live_server):
    app = WidgetApp(live_server.url)
    yield app
    app.server.stop()


@pytest.fixture
def widget(widget_app, account, admin, sales_role, other_account):
    app = make_app(account=other_account, name="Widget app", type="public")
    widget_app.client_id = app.oauth_application.client_id
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        scopes=[{"code": "crm.accounts", "level": "read", "reason": "Counts customers."}],
        webhooks=[],
        embeddings=[
            {
                "id": "widget",
                "location": "dashboard.widget",
                "code": "widget.home",
                "url": f"{widget_app.url}/widget",
                "title": "Customers",
            }
        ],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


def test_a_lazily_launched_widget_is_verified_by_the_apps_backend(
    page, sign_in, member, widget, widget_app
):
    sign_in(member)
    root = page.locator(f'[data-widget="{widget.pk}:widget"] [data-embedded]')
    expect(root).to_have_attribute("data-launch-url", re.compile(r"/launch/\?launch="))
    assert root.get_attribute("data-launch-url").startswith(
        f"/apps/{widget.pk}/embedded/widget/launch/?launch="
    )
    assert "launch_token" not in page.content()

    frame = page.frame_locator(f'[data-widget="{widget.pk}:widget"] iframe')
    expect(frame.locator("#verified")).to_have_text(f"sub={member.pk} at dashboard.widget")
    expect(frame.locator("#lang")).to_have_text("en")
    # The widget opened a modal: its page has a verified launch token of its own.
    dialog = page.locator("dialog.embedded-dialog").frame_locator("iframe")
    expect(dialog.locator("#verified")).to_have_text(f"sub={member.pk} at dashboard.widget")
    expect(dialog.locator("#dialog")).to_have_text("in the dialog")
    first, second = widget_app.seen
    assert first["jti"] != second["jti"] and first["installation"] == widget.pk
