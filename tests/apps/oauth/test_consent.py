"""The authorize page as people meet it: sign-in and back, the account picker, asking an
admin, and the consent of user-level apps (once per installation, again when scopes grow,
showing what was approved before and what is new). The access matrix of the page:
anonymous, outsider, member without the right, allowed."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Membership
from apps.installations.models import Installation, InstallationEvent, UserAuthorization
from apps.installations.services import installation_update
from apps.oauth.models import Grant
from tests.apps.oauth.conftest import SCOPES, code_for, install, publish
from tests.factories import AccountFactory, MembershipFactory
from tests.factories.accounts import PASSWORD
from tests.factories.catalog import make_version
from tests.factories.oauth import allow, authorize_url, callback_params, pkce_pair

pytestmark = pytest.mark.django_db


# --- access matrix --------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_back_to_the_same_authorize_url(published, admin):
    _verifier, challenge = pkce_pair()
    url = authorize_url(published.client_id, challenge=challenge, scope="users:read")
    browser = Client()

    response = browser.get(url)

    assert response.status_code == 302
    login = urlparse(response["Location"])
    assert login.path == "/login/"
    assert parse_qs(login.query)["next"] == [url]
    signed_in = browser.post(
        response["Location"], {"username": "admin@acme.test", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == url
    page = browser.get(signed_in["Location"])
    assert page.status_code == 200
    assert page.context["mode"] == "install"
    assert not Installation.objects.exists()


def test_an_outsider_naming_an_account_they_are_not_in_is_refused(
    client_for, outsider, admin, account, published
):
    install(published, account=account, admin=admin)
    response = client_for(outsider).get(authorize_url(published.client_id, account="acme"))
    assert response.status_code == 403
    assert response.context["refusal"].kind == "not_member"
    assert not Grant.objects.exists()


def test_a_member_cannot_install_and_is_told_to_ask_an_admin(client_for, member, admin, published):
    response = client_for(member).get(authorize_url(published.client_id))
    assert response.status_code == 403
    assert response.context["refusal"].kind == "ask_admin"
    html = response.content.decode()
    assert "Ask an admin" in html
    assert "admin@acme.test" in html
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()
    # posting an Allow anyway changes nothing
    forged = client_for(member).post(
        authorize_url(published.client_id),
        {"decision": "allow", "version_id": published.version.pk, "mode": "install"},
    )
    assert forged.status_code == 403
    assert not Installation.objects.exists()


def test_a_member_without_access_to_an_installed_app_is_refused(
    client_for, member, admin, account, published
):
    install(published, account=account, admin=admin)  # admins only
    response = client_for(member).get(authorize_url(published.client_id))
    assert response.status_code == 403
    assert response.context["refusal"].kind == "no_access"
    assert not Grant.objects.exists()


def test_a_member_may_not_update_an_installation(
    client_for, member, admin, account, sales_role, published
):
    installation = install(published, account=account, admin=admin, roles=[sales_role.pk])
    make_version(app=published.app, number="1.1.0", status="published", scopes=SCOPES)
    response = client_for(member).get(authorize_url(published.client_id, version="1.1.0"))
    assert response.status_code == 403
    assert response.context["refusal"].kind == "ask_admin"
    installation.refresh_from_db()
    assert installation.version == published.version


def test_an_allowed_member_gets_a_code_without_consent_for_an_account_level_app(
    client_for, member, admin, account, sales_role, published
):
    install(published, account=account, admin=admin, roles=[sales_role.pk])
    params = callback_params(client_for(member).get(authorize_url(published.client_id)))
    assert set(params) == {"code", "state", "iss", "account"}
    assert params["account"] == "acme"


# --- account picker -------------------------------------------------------------------------


def test_a_user_in_several_accounts_picks_one(client_for, admin, account, published):
    second = AccountFactory(slug="initech", name="Initech")
    MembershipFactory(account=second, user=admin, is_admin=True)
    url = authorize_url(published.client_id)

    response = client_for(admin).get(url)

    assert response.status_code == 200
    assert response.context["refusal"].kind == "pick_account"
    choices = response.context["choices"]
    assert [c["membership"].account.slug for c in choices] == sorted(["acme", "initech"])
    for choice in choices:
        query = parse_qs(urlparse(choice["url"]).query)
        assert query["account"] == [choice["membership"].account.slug]
        assert query["client_id"] == [published.client_id]
        assert query["state"] == ["s-123"]
    picked = client_for(admin).get(next(c["url"] for c in choices if "initech" in c["url"]))
    assert picked.status_code == 200
    assert picked.context["account"] == second
    assert picked.context["several_accounts"] is True
    assert not Installation.objects.exists()


def test_the_install_goes_to_the_picked_account(client_for, admin, account, published):
    second = AccountFactory(slug="initech", name="Initech")
    MembershipFactory(account=second, user=admin, is_admin=True)
    params = callback_params(
        allow(client_for(admin), authorize_url(published.client_id, account="initech"))
    )
    assert params["account"] == "initech"
    assert Installation.objects.get().account == second


# --- user-level apps ------------------------------------------------------------------------

USER_SCOPES = [
    {"code": "user.me", "level": "read", "reason": "Knows who you are."},
    {"code": "crm.accounts", "level": "read", "reason": "Shows customers."},
]


@pytest.fixture
def user_level(developer_account):
    return publish(
        developer_account, name="Personal", authorization="user", scopes=USER_SCOPES, webhooks=[]
    )


def test_user_level_app_asks_each_user_once_and_again_when_scopes_grow(
    client_for, admin, member, account, sales_role, user_level
):
    installation = install(user_level, account=account, admin=admin, roles=[sales_role.pk])
    browser = client_for(member)
    url = authorize_url(user_level.client_id)

    first = browser.get(url)
    assert first.status_code == 200
    assert first.context["mode"] == "authorize"
    assert first.context["already_approved"] == []
    assert [s["scope"] for s in first.context["new_scopes"]] == [
        "crm.accounts:read",
        "user.me:read",
    ]
    assert not UserAuthorization.objects.exists()
    assert "code" in callback_params(allow(browser, url))
    record = UserAuthorization.objects.get(installation=installation, user=member)
    assert record.scopes == ["crm.accounts:read", "user.me:read"]

    second = browser.get(url)
    assert "code" in callback_params(second)

    # the admin's own consent is separate: the member's does not cover the admin
    assert client_for(admin).get(url).status_code == 200

    grown = make_version(
        app=user_level.app,
        number="1.1.0",
        status="published",
        authorization="user",
        webhooks=[],
        scopes=[*USER_SCOPES, {"code": "crm.deals", "level": "read", "reason": "Deals too."}],
    )
    installation_update(
        installation=installation,
        version=grown,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
        consent=True,
    )
    again = browser.get(url)
    assert again.status_code == 200
    assert [s["scope"] for s in again.context["already_approved"]] == [
        "crm.accounts:read",
        "user.me:read",
    ]
    assert [s["scope"] for s in again.context["new_scopes"]] == ["crm.deals:read"]
    html = again.content.decode()
    assert 'id="consent-new"' in html and 'id="consent-approved"' in html
    assert "code" in callback_params(allow(browser, url))
    record.refresh_from_db()
    assert record.scopes == ["crm.accounts:read", "crm.deals:read", "user.me:read"]
    assert "code" in callback_params(browser.get(url))
    assert (
        InstallationEvent.objects.filter(kind=InstallationEvent.Kind.USER_AUTHORIZED).count() == 2
    )


def test_cancelling_a_user_level_consent_records_nothing(
    client_for, admin, member, account, sales_role, user_level
):
    install(user_level, account=account, admin=admin, roles=[sales_role.pk])
    params = callback_params(
        allow(client_for(member), authorize_url(user_level.client_id), "cancel")
    )
    assert params["error"] == "user_denied"
    assert not UserAuthorization.objects.exists()
    assert not Grant.objects.exists()


def test_a_stale_consent_form_is_shown_again(client_for, admin, account, published):
    browser = client_for(admin)
    url = authorize_url(published.client_id)
    response = browser.post(url, {"decision": "allow", "version_id": "0", "mode": "install"})
    assert response.status_code == 409
    assert "changed since it was shown" in response.content.decode()
    assert not Installation.objects.exists()
    assert code_for(browser, url)["account"] == "acme"


def test_a_draft_edited_after_the_consent_page_was_shown_is_not_installed(
    client_for, admin, account, developer_account
):
    """On the developer's own account a draft can be installed; if it is edited between
    the consent page and Allow, the admin must see it again."""
    from apps.catalog.services import version_update
    from tests.factories.catalog import by, make_app_with_secret, make_version, manifest_text

    app, _secret = make_app_with_secret(account=account, name="Own app", type="private")
    draft = make_version(app=app, status="draft")
    browser = client_for(admin)
    url = authorize_url(app.oauth_application.client_id)
    page = browser.get(url)
    assert page.status_code == 200
    stamp = page.context["version_stamp"]
    version_update(
        version=draft,
        raw=manifest_text(
            "1.0.0",
            scopes=[{"code": "users", "level": "full", "reason": "Manages users."}],
            webhooks=[],
        ),
        actor=by(admin),
    )

    response = browser.post(url, {"decision": "allow", "version_id": stamp, "mode": "install"})

    assert response.status_code == 409
    assert not Installation.objects.exists()
    assert [line["scope"] for line in response.context["new_scopes"]] == ["users:full"]


# --- what the consent page shows is what Allow grants ---------------------------------------


def test_an_install_lists_every_scope_it_grants_whatever_the_request_asks(
    client_for, admin, account, published
):
    browser = client_for(admin)
    url = authorize_url(published.client_id, scope="users:read")

    page = browser.get(url)

    assert page.status_code == 200
    assert page.context["mode"] == "install"
    shown = {line["scope"] for line in page.context["new_scopes"]}
    html = page.content.decode()
    assert "fin.invoices:full" in html
    assert "code" in callback_params(allow(browser, url))
    installation = Installation.objects.get(account=account)
    assert set(installation.granted_scopes) == shown
    assert shown == {"users:read", "crm.accounts:read", "fin.invoices:full"}


def test_an_update_lists_every_scope_it_adds_whatever_the_request_asks(
    client_for, admin, account, published
):
    installation = install(published, account=account, admin=admin)
    grown = [*SCOPES, {"code": "crm.deals", "level": "read", "reason": "Deals too."}]
    make_version(app=published.app, number="1.1.0", status="published", scopes=grown)
    browser = client_for(admin)
    url = authorize_url(published.client_id, version="1.1.0", scope="users:read")

    page = browser.get(url)

    assert page.context["mode"] == "update"
    assert [line["scope"] for line in page.context["new_scopes"]] == ["crm.deals:read"]
    assert "crm.deals:read" in page.content.decode()
    assert "code" in callback_params(allow(browser, url))
    installation.refresh_from_db()
    assert "crm.deals:read" in installation.granted_scopes


def test_the_consent_page_refuses_to_be_framed(client_for, admin, published):
    page = client_for(admin).get(authorize_url(published.client_id))
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "DENY"


def test_an_allow_without_the_csrf_token_installs_nothing(admin, account, published):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    url = authorize_url(published.client_id)
    assert browser.get(url).status_code == 200

    forged = browser.post(
        url, {"decision": "allow", "version_id": published.version.pk, "mode": "install"}
    )

    assert forged.status_code == 403
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_a_member_of_several_accounts_told_to_ask_an_admin_can_use_another_account(
    client_for, member, other_account, published
):
    from tests.factories import MembershipFactory

    MembershipFactory(account=other_account, user=member, is_admin=True)
    url = authorize_url(published.client_id, account="acme")

    response = client_for(member).get(url)

    assert response.status_code == 403
    assert response.context["refusal"].kind == "ask_admin"
    link = response.context["change_account_url"]
    assert "account=" not in link
    assert 'id="refusal-change-account"' in response.content.decode()
    picker = client_for(member).get(link)
    assert picker.context["refusal"].kind == "pick_account"
    assert not Installation.objects.exists()


def test_the_consent_page_has_a_single_page_heading(client_for, admin, published):
    html = client_for(admin).get(authorize_url(published.client_id)).content.decode()
    assert html.count("<h1") == 1
