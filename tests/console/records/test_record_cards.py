"""Apps' record cards on the record pages: a frame for each installation whose current
manifest places a card on the model, shown only to members who may use the app and only
while the installation reads the model for them; the record in the frame's launch
context and in its launch token."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.embedding.selectors import jwks
from apps.installations.models import InstallationAccess
from apps.installations.services import installation_update
from apps.modules.models import CrmAccount, CrmContact
from apps.modules.services import record_update
from tests.apps.modules.records import make_record
from tests.console.installations.conftest import install
from tests.factories import MembershipFactory, RoleFactory, UserFactory, make_app, make_version

pytestmark = pytest.mark.django_db

ACCOUNT_CARD = {
    "id": "account-card",
    "location": "crm.account.card",
    "code": "app.account",
    "url": "https://invoicer.example.com/embed/account",
    "title": "Invoices of this customer",
}
CONTACT_CARD = {
    "id": "contact-card",
    "location": "crm.contact.card",
    "code": "app.contact",
    "url": "https://invoicer.example.com/embed/contact",
    "title": "Contact's invoices",
}
MENU = {
    "id": "menu",
    "location": "main_menu",
    "code": "app.home",
    "url": "https://invoicer.example.com/embed/home",
    "title": "Invoices",
}
SCOPES = [
    {"code": "crm", "level": "read", "reason": "Shows the customer's invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
]


def _actor(user, account):
    return actor_for_user(user=user, membership=Membership.objects.get(user=user, account=account))


def _version(app, number, embeddings, scopes=SCOPES):
    return make_version(
        app=app, number=number, status="published", scopes=scopes, embeddings=embeddings
    )


@pytest.fixture
def carded(other_account, account, admin, sales_role):
    """Invoicer with a CRM account card and a contact card, open to Sales."""
    app = make_app(account=other_account, name="Invoicer", type="public")
    version = _version(app, "1.0.0", [MENU, ACCOUNT_CARD, CONTACT_CARD])
    installation = install(account=account, version=version, admin_user=admin)
    InstallationAccess.objects.create(installation=installation, role=sales_role)
    return installation


@pytest.fixture
def customer(account):
    return make_record(CrmAccount, account)


def page(client, record, slug="crm_account"):
    response = client.get(reverse(f"console:records:{slug}-detail", args=[record.pk]))
    assert response.status_code == 200
    return response.content.decode()


def card_key(installation, embedding_id="account-card"):
    return f'data-record-card="{installation.pk}:{embedding_id}"'


def frame_src(html):
    start = html.index('class="embedded__frame" src="') + len('class="embedded__frame" src="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def bridge(installation, embedding_id="account-card"):
    return reverse(
        "console:embedding:launch-token",
        kwargs={"installation_id": installation.pk, "embedding_id": embedding_id},
    )


def _decode(token):
    return jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["ES256"]).claims


def test_a_member_who_may_use_the_app_sees_its_card_with_the_record(
    client_for, member, carded, customer
):
    html = page(client_for(member), customer)
    assert card_key(carded) in html
    assert card_key(carded, "contact-card") not in html  # the contact card is elsewhere
    assert 'sandbox="allow-scripts allow-forms allow-popups allow-same-origin"' in html
    assert "Loading Invoices of this customer…" in html
    assert "does not answer" in html
    query = parse_qs(urlsplit(frame_src(html)).query)
    assert query["record"] == [f"crm.account:{customer.pk}"]
    assert query["record_id"] == [str(customer.pk)]
    assert query["embedding"] == ["app.account"]
    claims = _decode(query["launch_token"][0])
    assert claims["record"] == {"model": "crm.account", "id": customer.pk}
    assert claims["location"] == "crm.account.card"
    assert claims["embedding_id"] == "account-card"
    assert claims["access"] == ["crm:read"]


def test_the_contact_page_shows_the_contact_card(client_for, member, carded, account, customer):
    contact = make_record(CrmContact, account)
    html = page(client_for(member), contact, slug="crm_contact")
    assert card_key(carded, "contact-card") in html
    assert card_key(carded) not in html


def test_a_member_without_access_to_the_app_sees_no_card(
    client_for, member, carded, customer, sales_role
):
    InstallationAccess.objects.filter(installation=carded, role=sales_role).delete()
    html = page(client_for(member), customer)
    assert "data-record-card=" not in html
    assert "<iframe" not in html
    response = client_for(member).post(bridge(carded) + f"?record=crm.account:{customer.pk}")
    assert response.status_code == 403


def test_no_card_while_the_installation_does_not_read_the_model(
    client_for, member, carded, customer
):
    """The grant, not the manifest, decides: without read on CRM accounts, no card."""
    carded.granted_scopes = ["fin.invoices:full"]
    carded.save(update_fields=["granted_scopes"])
    client = client_for(member)
    html = page(client, customer)
    assert "data-record-card=" not in html
    response = client.post(bridge(carded) + f"?record=crm.account:{customer.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_such_embedding"


def test_no_card_for_a_member_whose_rights_do_not_read_the_model(
    client_for, account, carded, customer
):
    """The grant reads the CRM, the member's role reads tasks only: the record page is
    refused anyway, and the launch token never carries the model."""
    role = RoleFactory(account=account, name="Support", rights={"task": "read"})
    user = MembershipFactory(account=account, user=UserFactory(email="s@acme.test"), role=role).user
    InstallationAccess.objects.create(installation=carded, role=role)
    client = client_for(user)
    response = client.get(reverse("console:records:crm_account-detail", args=[customer.pk]))
    assert response.status_code == 403
    refused = client.post(bridge(carded) + f"?record=crm.account:{customer.pk}")
    assert refused.status_code == 404


def test_another_accounts_record_and_installation_show_nothing(
    client_for, member, carded, other_account, customer
):
    theirs = make_record(CrmAccount, other_account)
    client = client_for(member)
    response = client.get(reverse("console:records:crm_account-detail", args=[theirs.pk]))
    assert response.status_code == 404
    refused = client.post(bridge(carded) + f"?record=crm.account:{theirs.pk}")
    assert refused.status_code == 404
    assert CrmAccount.objects.filter(account=other_account).count() == 1


def test_the_fresh_launch_token_of_a_card_names_its_record(client_for, member, carded, customer):
    client = client_for(member)
    response = client.post(bridge(carded) + f"?record=crm.account:{customer.pk}")
    assert response.status_code == 200
    assert _decode(response.json()["launch_token"])["record"] == {
        "model": "crm.account",
        "id": customer.pk,
    }
    for bad in ("", "?record=crm.contact:1", "?record=crm.account:x"):
        refused = client.post(bridge(carded) + bad)
        assert refused.status_code == 400, bad
        assert "record" in refused.json()["error"]["fields"]


def test_a_main_menu_token_has_no_record(client_for, member, carded):
    response = client_for(member).post(bridge(carded, "menu") + "?record=crm.account:1")
    assert _decode(response.json()["launch_token"])["record"] is None


def test_an_update_that_drops_the_card_removes_it_at_once(
    client_for, member, admin, account, carded, customer
):
    v2 = _version(carded.app, "1.1.0", [MENU])
    installation_update(installation=carded, version=v2, actor=_actor(admin, account), consent=True)
    client = client_for(member)
    assert "data-record-card=" not in page(client, customer)
    response = client.post(bridge(carded) + f"?record=crm.account:{customer.pk}")
    assert response.status_code == 404
    v3 = _version(carded.app, "1.2.0", [MENU, ACCOUNT_CARD])
    installation_update(installation=carded, version=v3, actor=_actor(admin, account), consent=True)
    assert card_key(carded) in page(client, customer)


def test_the_page_holds_the_revision_it_shows_and_where_to_ask_for_a_newer_one(
    client_for, member, carded, customer, admin, account
):
    """What the host bridge needs for ``record.changed``: the revision shown and the
    record's revision address, which answers the current revision as the page's reader."""
    html = page(client_for(member), customer)
    url = reverse("console:records:crm_account-revision", args=[customer.pk])
    assert f'data-revision="1" data-revision-url="{url}"' in html
    assert "data-record-stale hidden" in html
    record_update(record=customer, values={"name": "Renamed"}, actor=_actor(admin, account))
    response = client_for(member).get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"model": "crm.account", "id": customer.pk, "revision": 2}


def test_the_revision_answers_no_one_who_may_not_see_the_record(
    client_for, member, outsider, customer, account, sales_role
):
    url = reverse("console:records:crm_account-revision", args=[customer.pk])
    assert client_for(outsider).get(url).status_code == 404
    sales_role.rights = {"task": "read"}
    sales_role.save()
    response = client_for(member).get(url)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")  # the refusal, no revision
