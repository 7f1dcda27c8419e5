"""``record.changed`` in a real browser: a member has a CRM account open with an app's
card (served from its own origin, subscribed with ``on("record.changed")``); when the
card changes the account through ``api.request``, or the account changes elsewhere and
the member comes back to the tab, the card hears of it with the record's model, id and
new revision, and the page says it is out of date."""

import json

import pytest
from playwright.sync_api import expect

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import InstallationAccess
from apps.modules.models import CrmAccount
from apps.modules.services import record_update
from tests.apps.modules.records import make_record
from tests.e2e.pages_server import PagesServer
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db(transaction=True)

CARD = """<!doctype html><meta charset="utf-8"><title>Card</title>
<script src="{marketplace}/static/sdk/marketplace-sdk-1.0.0.js"></script>
<button id="save" type="button" disabled>Rename</button><p id="ready"></p><p id="saved"></p>
<ol id="events"></ol>
<script>
MarketplaceSDK.on("record.changed", function (record) {{
  var item = document.createElement("li");
  item.textContent = JSON.stringify(record);
  document.getElementById("events").appendChild(item);
}});
MarketplaceSDK.init().then(function (context) {{
  var id = context.record.split(":")[1];
  var save = document.getElementById("save");
  save.onclick = function () {{
    MarketplaceSDK.api.request("PATCH", "crm/account/" + id + "/", {{name: "Renamed by the card"}})
      .then(function (answer) {{ document.getElementById("saved").textContent = answer.status; }});
  }};
  save.disabled = false;
  document.getElementById("ready").textContent = context.record;
}});
</script>"""


@pytest.fixture
def card_app(live_server):
    server = PagesServer({"/card": lambda query: CARD.format(marketplace=live_server.url)})
    yield server
    server.stop()


@pytest.fixture
def carded(card_app, account, admin, sales_role, other_account):
    app = make_app(account=other_account, name="Card app", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        scopes=[{"code": "crm.accounts", "level": "full", "reason": "Keeps names tidy."}],
        webhooks=[],
        embeddings=[
            {
                "id": "account-card",
                "location": "crm.account.card",
                "code": "card.account",
                "url": f"{card_app.url}/card",
                "title": "Tidy names",
            }
        ],
    )
    installation = make_installation(account=account, version=version, by_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


def _events(frame):
    return [json.loads(text) for text in frame.locator("#events li").all_text_contents()]


def test_an_open_card_hears_that_its_record_changed(page, sign_in, member, admin, account, carded):
    customer = make_record(CrmAccount, account)
    sign_in(member)
    page.goto(f"/records/crm/accounts/{customer.pk}/")
    frame = page.frame_locator(f'[data-record-card="{carded.pk}:account-card"] iframe')
    expect(frame.locator("#ready")).to_have_text(f"crm.account:{customer.pk}", timeout=20_000)
    stale = page.locator("[data-record-stale]")
    expect(stale).to_be_hidden()

    # The card changes the account through the App API: the host sends the new revision.
    frame.locator("#save").click()
    expect(frame.locator("#saved")).to_have_text("200")
    expect(frame.locator("#events li")).to_have_count(1)
    assert _events(frame) == [{"model": "crm.account", "id": customer.pk, "revision": 2}]
    customer.refresh_from_db()
    assert customer.name == "Renamed by the card" and customer.revision == 2
    expect(stale).to_be_visible()

    # Someone else changes it while the page is open; the member comes back to the tab.
    admin_membership = Membership.objects.get(user=admin, account=account)
    record_update(
        record=customer,
        values={"name": "Renamed elsewhere"},
        actor=actor_for_user(user=admin, membership=admin_membership),
    )
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(frame.locator("#events li")).to_have_count(2)
    assert _events(frame)[1] == {"model": "crm.account", "id": customer.pk, "revision": 3}

    # Nothing new: asking again sends nothing.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(800)
    expect(frame.locator("#events li")).to_have_count(2)
