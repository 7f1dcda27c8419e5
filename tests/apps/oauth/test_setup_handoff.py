"""An install that needs setup: after consent the admin fills in the app's required
settings, then goes on to the app's callback with a code that still works.

The way back to the app is held in the session, bound to the installation; a valid save
or "Skip for now" follows it once; nothing from the request can change where it goes."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_grant_model

from apps.accounts.middleware import SESSION_KEY as CURRENT_ACCOUNT_KEY
from apps.installations.models import Installation, SettingValue
from apps.installations.selectors import installation_setup_missing
from apps.oauth.handoff import SESSION_KEY as HANDOFF_KEY
from apps.oauth.handoff import handoff_get
from apps.oauth.models import code_digest
from tests.apps.oauth.conftest import SCOPES, install, publish
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.catalog import make_version
from tests.factories.oauth import (
    REDIRECT_URI,
    allow,
    api_get,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
)

pytestmark = pytest.mark.django_db

Grant = get_grant_model()

SETUP_SETTINGS = [
    {"key": "workspace", "level": "app", "type": "string", "label": "Workspace", "required": True},
    {
        "key": "region",
        "level": "app",
        "type": "select",
        "label": "Region",
        "required": True,
        "default": "eu",
        "options": [{"value": "eu", "label": "Europe"}, {"value": "us", "label": "US"}],
    },
    {"key": "notes", "level": "app", "type": "text", "label": "Notes"},
    {"key": "signature", "level": "user", "type": "string", "label": "Sig", "required": True},
]


@pytest.fixture
def needs_setup(developer_account):
    """Invoicer 1.0.0: one required app-level setting without a default (``workspace``)."""
    return publish(developer_account, settings=SETUP_SETTINGS)


def settings_url(installation: Installation) -> str:
    return reverse(
        "console:installations:installation-settings",
        kwargs={"installation_id": installation.pk},
    )


def consent(browser: Client, published, **params):
    """Allow an install (PKCE): ``(response, verifier)``."""
    verifier, challenge = pkce_pair()
    url = authorize_url(published.client_id, challenge=challenge, **params)
    return allow(browser, url), verifier


def test_consent_goes_to_the_settings_form_then_on_to_the_app_with_a_working_code(
    client_for, admin, account, needs_setup
):
    browser = client_for(admin)
    response, verifier = consent(browser, needs_setup)

    installation = Installation.objects.get(account=account, app=needs_setup.app)
    assert response.status_code == 302
    assert response["Location"] == settings_url(installation)
    assert Grant.objects.filter(installation=installation).count() == 1  # issued, held

    page = browser.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Invoicer needs setup before it can work: fill in the required settings" in html
    assert "(Workspace)" in html  # the one without a value or a default
    assert "valid until" in html
    assert 'id="setup-skip"' in html
    assert "Save and go back to Invoicer" in html
    held = handoff_get(browser.session, installation_id=installation.pk)
    code = parse_qs(urlparse(held.redirect_uri).query)["code"][0]
    assert Grant.objects.get(installation=installation).code == code_digest(code)
    assert code not in html  # the held address stays on the server

    refused = browser.post(response["Location"], {"setting-notes": "Hello"})
    assert refused.status_code == 200  # the required value is missing: nothing saved
    assert "This setting is required." in refused.content.decode()
    assert not SettingValue.objects.exists()

    saved = browser.post(
        response["Location"], {"setting-workspace": "acme-main", "setting-region": "us"}
    )
    params = callback_params(saved)
    assert saved["Location"].startswith(REDIRECT_URI + "?")
    assert params["code"] == code
    assert params["state"] == "s-123"
    assert params["account"] == "acme"
    assert installation_setup_missing(installation=installation) == ()

    tokens = exchange(needs_setup.client_id, needs_setup.secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.content
    me = api_get("/api/v1/users/me", tokens.json()["access_token"])
    assert me.status_code == 200, me.content

    # the way back was followed once: the form is an ordinary form again
    again = browser.post(
        response["Location"], {"setting-workspace": "acme-two", "setting-region": "eu"}
    )
    assert again.status_code == 302
    assert again["Location"] == response["Location"]


def test_skip_for_now_goes_on_to_the_app_and_its_token_works_while_setup_is_needed(
    client_for, admin, account, needs_setup
):
    browser = client_for(admin)
    response, verifier = consent(browser, needs_setup)
    installation = Installation.objects.get(account=account, app=needs_setup.app)

    skipped = browser.post(response["Location"], {"setup": "skip"})

    params = callback_params(skipped)
    assert set(params) == {"code", "state", "iss", "account"}
    assert not SettingValue.objects.exists()
    assert installation_setup_missing(installation=installation)
    tokens = exchange(needs_setup.client_id, needs_setup.secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.content
    access = tokens.json()["access_token"]
    assert api_get("/api/v1/users/me", access).status_code == 200
    assert api_get("/api/v1/users", access).status_code == 200
    listed = browser.get(reverse("console:installations:installation-list")).content.decode()
    assert "Needs setup" in listed
    # skipping twice does not go to the app twice
    again = browser.post(response["Location"], {"setup": "skip"})
    assert again["Location"] == reverse(
        "console:installations:installation-detail", kwargs={"installation_id": installation.pk}
    )


def test_an_install_without_empty_required_settings_goes_straight_back(
    client_for, admin, account, developer_account
):
    published = publish(
        developer_account,
        settings=[s for s in SETUP_SETTINGS if s["key"] != "workspace"],
    )
    response, _verifier = consent(client_for(admin), published)

    assert "code" in callback_params(response)
    assert HANDOFF_KEY not in client_for(admin).session


def test_the_code_may_wait_for_the_setup_within_its_ten_minutes(
    client_for, admin, account, needs_setup
):
    browser = client_for(admin)
    response, verifier = consent(browser, needs_setup)
    grant = Grant.objects.get()
    # nine minutes at the settings form
    Grant.objects.filter(pk=grant.pk).update(expires=grant.expires - timedelta(minutes=9))

    params = callback_params(
        browser.post(response["Location"], {"setting-workspace": "w", "setting-region": "eu"})
    )

    tokens = exchange(needs_setup.client_id, needs_setup.secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.content


def test_the_page_says_when_the_code_has_expired(client_for, admin, account, needs_setup):
    browser = client_for(admin)
    response, _verifier = consent(browser, needs_setup)
    session = browser.session
    held = session[HANDOFF_KEY]
    for entry in held.values():
        entry["at"] -= 11 * 60
    session[HANDOFF_KEY] = held
    session.save()

    html = browser.get(response["Location"]).content.decode()

    assert "The authorization code it was sent has expired" in html
    assert "valid until" not in html


def test_the_way_back_is_bound_to_its_installation(
    client_for, admin, account, developer_account, needs_setup
):
    other = publish(developer_account, name="Timesheets", settings=SETUP_SETTINGS)
    other_installation = install(other, account=account, admin=admin)
    browser = client_for(admin)
    response, _verifier = consent(browser, needs_setup)

    # the other installation's form knows nothing of Invoicer's way back
    page = browser.get(settings_url(other_installation)).content.decode()
    assert 'id="setup-skip"' not in page
    elsewhere = browser.post(settings_url(other_installation), {"setup": "skip"})
    assert elsewhere["Location"] == reverse(
        "console:installations:installation-detail",
        kwargs={"installation_id": other_installation.pk},
    )
    # another browser of the same admin has no way back held
    fresh = client_for(admin).post(response["Location"], {"setup": "skip"})
    assert not fresh["Location"].startswith(REDIRECT_URI)
    # and nothing in the request chooses where it goes
    forged = browser.post(
        response["Location"] + "?" + urlencode({"next": "https://evil.example/"}),
        {"setup": "skip", "redirect_uri": "https://evil.example/", "next": "https://evil.example/"},
    )
    assert forged["Location"].startswith(REDIRECT_URI + "?code=")


def test_the_account_installed_on_becomes_the_current_one(client_for, admin, account, needs_setup):
    second = AccountFactory(slug="initech", name="Initech")
    MembershipFactory(account=second, user=admin, is_admin=True)
    browser = client_for(admin)
    session = browser.session
    session[CURRENT_ACCOUNT_KEY] = account.pk
    session.save()

    response, _verifier = consent(browser, needs_setup, account="initech")

    installation = Installation.objects.get(account=second)
    assert response["Location"] == settings_url(installation)
    assert browser.session[CURRENT_ACCOUNT_KEY] == second.pk
    assert browser.get(response["Location"]).status_code == 200
    params = callback_params(
        browser.post(response["Location"], {"setting-workspace": "w", "setting-region": "eu"})
    )
    assert params["account"] == "initech"


def test_an_update_that_adds_a_required_setting_needs_setup_too(
    client_for, admin, account, published
):
    installation = install(published, account=account, admin=admin)
    make_version(
        app=published.app,
        number="1.1.0",
        status="published",
        scopes=SCOPES,
        settings=SETUP_SETTINGS,
    )
    browser = client_for(admin)

    response, verifier = consent(browser, published, version="1.1.0")

    installation.refresh_from_db()
    assert installation.version.number == "1.1.0"
    assert response["Location"] == settings_url(installation)
    params = callback_params(
        browser.post(response["Location"], {"setting-workspace": "w", "setting-region": "eu"})
    )
    tokens = exchange(published.client_id, published.secret, params["code"], verifier)
    assert tokens.status_code == 200, tokens.content


def test_an_allowed_member_authorizing_an_installed_app_is_not_held(
    client_for, admin, member, account, sales_role, needs_setup
):
    install(needs_setup, account=account, admin=admin, roles=[sales_role.pk])

    response = client_for(member).get(authorize_url(needs_setup.client_id))

    assert "code" in callback_params(response)


def test_the_held_redirect_and_its_code_are_encrypted_in_the_stored_session(db):
    """The redirect back to the app carries the authorization code: the session row
    holds it encrypted, never the code itself."""
    from django.contrib.sessions.backends.db import SessionStore

    from apps.oauth.handoff import handoff_hold, handoff_pop

    session = SessionStore()
    uri = "https://invoicer.example.com/oauth/callback?code=the-raw-code-123&state=xyz"
    handoff_hold(session, installation_id=7, redirect_uri=uri)
    session.save()

    stored = SessionStore(session_key=session.session_key)
    assert HANDOFF_KEY in stored
    assert "the-raw-code-123" not in str(dict(stored.items()))
    held = handoff_pop(stored, installation_id=7)
    assert held is not None
    assert held.redirect_uri == uri
    assert handoff_pop(stored, installation_id=7) is None
