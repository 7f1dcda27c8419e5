"""An install of an app with a connection: after consent the admin lands on the
installed app's Connection page, then continues to the app's callback with its code."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from apps.installations.models import Installation
from tests.apps.oauth.conftest import publish
from tests.factories.oauth import REDIRECT_URI, allow, authorize_url, pkce_pair

pytestmark = pytest.mark.django_db

CONNECTION = {
    "type": "generic",
    "parameters": [{"key": "api_key", "label": "API key", "sensitive": True}],
}


def test_consent_leads_to_the_connection_page_then_on_to_the_app(
    client_for, admin, account, developer_account
):
    published = publish(developer_account, connection=CONNECTION)
    browser = client_for(admin)
    _verifier, challenge = pkce_pair()

    response = allow(browser, authorize_url(published.client_id, challenge=challenge))

    installation = Installation.objects.get(account=account, app=published.app)
    page_url = reverse(
        "console:installations:installation-connection",
        kwargs={"installation_id": installation.pk},
    )
    assert response.status_code == 302 and response["Location"] == page_url
    page = browser.get(page_url).content.decode()
    assert 'id="connection-handoff"' in page
    onward = browser.post(page_url, {"continue": "1"})
    assert onward.status_code == 302
    assert onward["Location"].startswith(REDIRECT_URI)
    assert parse_qs(urlparse(onward["Location"]).query)["code"]
    again = browser.post(page_url, {"continue": "1"})
    assert again["Location"] != onward["Location"]  # followed once


def test_an_app_without_a_connection_goes_straight_back(
    client_for, admin, account, developer_account
):
    published = publish(developer_account)
    _verifier, challenge = pkce_pair()

    response = allow(client_for(admin), authorize_url(published.client_id, challenge=challenge))

    assert response["Location"].startswith(REDIRECT_URI)
