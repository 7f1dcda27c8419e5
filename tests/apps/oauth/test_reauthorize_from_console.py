"""Reauthorize: an admin re-runs the consent of an installed account-level app from its
page; a member re-runs their own consent to a user-level app from My apps. The consent
screen is shown (``prompt=consent``) although it would be skipped otherwise, Allow sends
the browser back to the app with a code that gives new, working tokens, and the
installation's history records who started it."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from apps.installations.models import InstallationEvent
from tests.apps.oauth.conftest import install, publish, tokens_for
from tests.factories.oauth import REDIRECT_URI, allow, api_get, callback_params, exchange, pkce_pair

pytestmark = pytest.mark.django_db


def test_an_admin_reauthorizes_an_account_level_app_through_the_consent_screen(
    client_for, admin, account, published
):
    installation = install(published, account=account, admin=admin)
    browser = client_for(admin)

    page = browser.get(
        reverse("console:installations:installation-reauthorize", args=[installation.pk])
    )
    started = browser.post(
        reverse("console:installations:installation-reauthorize", args=[installation.pk])
    )

    assert page.status_code == 200
    assert started.status_code == 302
    target = started["Location"]
    query = parse_qs(urlparse(target).query)
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert (query["prompt"], query["account"], query["version"]) == (
        ["consent"],
        ["acme"],
        ["1.0.0"],
    )
    event = InstallationEvent.objects.get(installation=installation, kind="reauthorize_started")
    assert (event.actor_label, event.detail["level"]) == ("admin@acme.test", "account")

    # The app's authorization request with prompt=consent shows the consent screen...
    verifier, challenge = pkce_pair()
    url = f"{target}&state=s-1&code_challenge={challenge}&code_challenge_method=S256"
    consent = browser.get(url)
    assert consent.status_code == 200
    assert consent.context["mode"] == "authorize"
    # ...and Allow gives a code for new tokens that work.
    callback = callback_params(allow(browser, url))
    tokens = exchange(published.client_id, published.secret, callback["code"], verifier).json()
    assert api_get("/api/v1/users/me", tokens["access_token"]).status_code == 200


def test_without_prompt_an_installed_account_level_app_skips_consent(
    client_for, admin, account, published
):
    install(published, account=account, admin=admin)

    body = tokens_for(client_for(admin), published)

    assert "access_token" in body


def test_a_member_cannot_reauthorize_for_the_account(client_for, admin, member, account, published):
    installation = install(published, account=account, admin=admin)

    response = client_for(member).post(
        reverse("console:installations:installation-reauthorize", args=[installation.pk])
    )

    assert response.status_code == 403
    assert not InstallationEvent.objects.filter(kind="reauthorize_started").exists()


def test_a_member_reauthorizes_a_user_level_app_from_my_apps(
    client_for, admin, member, account, developer_account, sales_role
):
    app = publish(developer_account, name="Notes", authorization="user")
    installation = install(app, account=account, admin=admin, roles=[sales_role.pk])
    browser = client_for(member)

    listing = browser.get(reverse("console:installations:my_app-list")).content.decode()
    started = browser.post(
        reverse("console:installations:my_app-reauthorize", args=[installation.pk])
    )

    assert "Reauthorize" in listing
    assert started.status_code == 302
    assert parse_qs(urlparse(started["Location"]).query)["prompt"] == ["consent"]
    event = InstallationEvent.objects.get(kind="reauthorize_started")
    assert (event.actor_label, event.detail["level"]) == ("member@acme.test", "user")


def test_install_start_passes_prompt_on_to_the_apps_start_url(
    client_for, admin, account, developer_account
):
    app = publish(developer_account, install_start_url="https://invoicer.example.com/start")
    install(app, account=account, admin=admin)

    response = client_for(admin).get(
        f"/oauth/install/?client_id={app.client_id}&account=acme&version=1.0.0&prompt=consent"
    )

    assert response.status_code == 302
    assert response["Location"].startswith("https://invoicer.example.com/start?")
    assert parse_qs(urlparse(response["Location"]).query)["prompt"] == ["consent"]
