"""Who asks, and the way back to the app: the consent screen and the account picker name
the app, its publisher and its one-line summary; the picker's Cancel, and Back on a page
that refuses the user (no access, ask an admin), return to the app's registered redirect
URI with ``error=user_denied`` and the ``state`` (RFC 6749 §4.1.2.1), like Cancel on
the consent screen. Nothing is written, and an unregistered redirect URI is never offered.
"""

from urllib.parse import parse_qs, urlparse

import pytest

from apps.catalog.models import App
from apps.installations.models import Installation, InstallationEvent
from apps.oauth.models import Grant
from tests.apps.oauth.conftest import install
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.catalog import make_version
from tests.factories.oauth import REDIRECT_URI, allow, authorize_url, callback_params

pytestmark = pytest.mark.django_db

SUMMARY = "Turns won deals into invoices."


@pytest.fixture
def summarized(published):
    App.objects.filter(pk=published.app.pk).update(summary=SUMMARY)
    return published


@pytest.fixture
def two_accounts(admin):
    second = AccountFactory(slug="initech", name="Initech")
    MembershipFactory(account=second, user=admin, is_admin=True)
    return second


def way_back(response) -> dict[str, str]:
    """The parameters of the page's way back, after checking it goes to the callback."""
    link = response.context["way_back_url"]
    assert link.startswith(REDIRECT_URI + "?"), link
    assert 'id="authorize-way-back"' in response.content.decode()
    return {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}


def nothing_written() -> bool:
    return not (
        Installation.objects.exists()
        or Grant.objects.exists()
        or InstallationEvent.objects.exists()
    )


def test_the_consent_screen_names_the_app_its_publisher_and_its_summary(
    client_for, admin, summarized
):
    html = client_for(admin).get(authorize_url(summarized.client_id)).content.decode()

    assert '<dd id="authorize-app-name">Invoicer</dd>' in html
    assert '<dd id="authorize-app-publisher">Dev Studio</dd>' in html
    assert f'<dd id="authorize-app-summary">{SUMMARY}</dd>' in html


def test_the_picker_names_the_app_and_cancels_back_to_it_with_the_state(
    client_for, admin, two_accounts, summarized
):
    response = client_for(admin).get(authorize_url(summarized.client_id, state="s 1/2&x"))

    assert response.context["refusal"].kind == "pick_account"
    html = response.content.decode()
    assert '<dd id="authorize-app-name">Invoicer</dd>' in html
    assert '<dd id="authorize-app-publisher">Dev Studio</dd>' in html
    assert f'<dd id="authorize-app-summary">{SUMMARY}</dd>' in html
    assert ">Cancel</a>" in html
    assert way_back(response) == {
        "error": "user_denied",
        "error_description": "The user cancelled.",
        "state": "s 1/2&x",
        "iss": "http://testserver",
    }
    assert nothing_written()


def test_a_summary_left_empty_is_not_shown(client_for, admin, two_accounts, published):
    html = client_for(admin).get(authorize_url(published.client_id)).content.decode()
    assert "authorize-app-summary" not in html
    assert '<dd id="authorize-app-publisher">Dev Studio</dd>' in html


def test_picking_an_account_without_access_says_so_and_offers_the_way_back(
    client_for, admin, member, account, sales_role, published
):
    install(published, account=account, admin=admin)  # admins only
    MembershipFactory(account=AccountFactory(slug="initech", name="Initech"), user=member)
    browser = client_for(member)
    picker = browser.get(authorize_url(published.client_id))
    acme = next(c["url"] for c in picker.context["choices"] if "account=acme" in c["url"])

    response = browser.get(acme)

    assert response.status_code == 403
    assert response.context["refusal"].kind == "no_access"
    html = response.content.decode()
    assert "not for your role or groups" in html
    assert "Back to Invoicer</a>" in html
    assert 'id="refusal-change-account"' in html
    assert way_back(response) == {
        "error": "user_denied",
        "error_description": "The user may not use the app on this account.",
        "state": "s-123",
        "iss": "http://testserver",
    }
    assert not Grant.objects.exists()


def test_a_member_told_to_ask_an_admin_can_go_back_to_the_app(client_for, member, published):
    response = client_for(member).get(authorize_url(published.client_id))

    assert response.context["refusal"].kind == "ask_admin"
    assert way_back(response)["error"] == "user_denied"
    assert nothing_written()


def test_without_redirect_uri_the_way_back_is_the_first_registered_one(
    client_for, admin, two_accounts, published
):
    url = authorize_url(published.client_id, redirect_uri=None)
    response = client_for(admin).get(url.replace("redirect_uri=", "ignored="))

    assert way_back(response)["error"] == "user_denied"


def test_an_unregistered_redirect_uri_is_never_offered(client_for, admin, two_accounts, published):
    response = client_for(admin).get(
        authorize_url(published.client_id, redirect_uri="https://evil.example/cb")
    )

    assert response.context["refusal"].kind == "pick_account"
    assert response.context["way_back_url"] == ""
    assert 'href="https://evil.example' not in response.content.decode()


def test_a_redirect_uri_of_a_draft_version_is_registered_but_not_of_a_rejected_one(
    client_for, admin, two_accounts, published
):
    make_version(
        app=published.app,
        number="1.1.0",
        redirect_uris=["https://invoicer.example.com/v2/callback"],
    )
    make_version(
        app=published.app,
        number="1.2.0",
        status="rejected",
        redirect_uris=["https://evil.example/cb"],
    )
    browser = client_for(admin)

    draft = browser.get(
        authorize_url(published.client_id, redirect_uri="https://invoicer.example.com/v2/callback")
    )
    rejected = browser.get(
        authorize_url(published.client_id, redirect_uri="https://evil.example/cb")
    )

    assert draft.context["way_back_url"].startswith("https://invoicer.example.com/v2/callback?")
    assert rejected.context["way_back_url"] == ""


def test_an_unknown_client_has_no_way_back(client_for, admin):
    response = client_for(admin).get(authorize_url("no-such-client"))

    assert response.status_code == 400
    assert response.context["way_back_url"] == ""
    assert "authorize-way-back" not in response.content.decode()


def test_cancel_on_the_consent_screen_sends_the_same_error(client_for, admin, published):
    params = callback_params(allow(client_for(admin), authorize_url(published.client_id), "cancel"))
    assert params == {
        "error": "user_denied",
        "error_description": "The user cancelled.",
        "state": "s-123",
        "iss": "http://testserver",
    }
    assert nothing_written()
