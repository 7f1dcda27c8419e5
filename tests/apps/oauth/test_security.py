"""What the authorization server refuses, and that a refusal leaves nothing behind:
code replay, redirect URIs, PKCE, client authentication, scope escalation, tenancy, and
tokens that stop working when what they stand on goes away."""

import pytest

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, Membership
from apps.catalog.services import app_deactivate
from apps.installations.models import Installation
from apps.installations.services import installation_access_set, installation_uninstall
from apps.oauth.models import AccessToken, Grant, RefreshToken
from tests.apps.oauth.conftest import code_for, install, publish, tokens_for
from tests.factories import GroupFactory, MembershipFactory, RoleFactory
from tests.factories.oauth import (
    REDIRECT_URI,
    api_get,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
    refresh,
)

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


def _error(response) -> str:
    return response.json()["error"]


# --- authorization codes --------------------------------------------------------------------


def test_code_replay_is_refused_and_revokes_the_first_exchange(client_for, admin, published):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    first = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert first.status_code == 200, first.content
    tokens = first.json()
    assert api_get(ME, tokens["access_token"]).status_code == 200

    replay = exchange(published.client_id, published.secret, callback["code"], verifier)

    assert replay.status_code == 400
    assert _error(replay) == "invalid_grant"
    assert api_get(ME, tokens["access_token"]).status_code == 401
    renewed = refresh(published.client_id, published.secret, tokens["refresh_token"])
    assert renewed.status_code == 400
    assert _error(renewed) == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_an_expired_code_is_refused(client_for, admin, published):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    from django.utils import timezone

    Grant.objects.update(expires=timezone.now())
    response = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()


# --- redirect URIs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example.com/oauth/callback",
        REDIRECT_URI + "/more",
        REDIRECT_URI + "?next=https://evil.example.com",
        REDIRECT_URI.replace("https", "http"),
        REDIRECT_URI.upper(),
    ],
)
def test_a_redirect_uri_outside_the_manifest_gets_an_error_page(
    client_for, admin, published, redirect_uri
):
    response = client_for(admin).get(authorize_url(published.client_id, redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "Location" not in response
    assert f'href="{redirect_uri}'.encode() not in response.content
    assert b"invalid_request" in response.content
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_a_redirect_uri_outside_the_manifest_of_an_installed_app(
    client_for, admin, account, published
):
    install(published, account=account, admin=admin)
    response = client_for(admin).get(
        authorize_url(published.client_id, redirect_uri="https://evil.example.com/cb")
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert not Grant.objects.exists()


def test_a_different_redirect_uri_at_the_token_endpoint_is_invalid_grant(
    client_for, admin, published
):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    response = exchange(
        published.client_id,
        published.secret,
        callback["code"],
        verifier,
        redirect_uri="https://evil.example.com/oauth/callback",
    )
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()


# --- PKCE -----------------------------------------------------------------------------------


def test_a_public_client_without_pkce_gets_an_error_redirect(client_for, admin, published):
    application = published.app.oauth_application
    application.client_type = "public"
    application.save(update_fields=["client_type"])

    response = client_for(admin).get(authorize_url(published.client_id))

    params = callback_params(response)
    assert response["Location"].startswith(REDIRECT_URI + "?")
    assert params["error"] == "invalid_request"
    assert params["state"] == "s-123"
    assert "code" not in params
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_a_public_client_with_pkce_gets_tokens_without_a_secret(client_for, admin, published):
    application = published.app.oauth_application
    application.client_type = "public"
    application.save(update_fields=["client_type"])
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    without_verifier = exchange(published.client_id, None, callback["code"])
    assert without_verifier.status_code == 400
    response = exchange(published.client_id, None, callback["code"], verifier)
    # the code was consumed by nobody: the failed attempt did not burn it
    assert response.status_code == 200, response.content


def test_plain_pkce_is_refused_and_nothing_is_installed(client_for, admin, published):
    verifier, _challenge = pkce_pair()
    url = authorize_url(published.client_id, code_challenge=verifier, code_challenge_method="plain")
    # refused before any consent screen is shown
    params = callback_params(client_for(admin).get(url))
    assert params["error"] == "invalid_request"
    assert params["state"] == "s-123"
    assert "code" not in params
    assert not Installation.objects.exists()
    assert not Grant.objects.exists()


def test_a_missing_verifier_when_a_challenge_was_sent_is_refused(client_for, admin, published):
    # RFC 6749 §5.2: a missing parameter is ``invalid_request`` (oauthlib's answer).
    _verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    response = exchange(published.client_id, published.secret, callback["code"])
    assert response.status_code == 400
    assert _error(response) == "invalid_request"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("verifier", ["wrong-verifier-" + "x" * 40, "short"])
def test_a_wrong_verifier_is_invalid_grant(client_for, admin, published, verifier):
    _right, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    response = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()


# --- client authentication ------------------------------------------------------------------


def test_a_wrong_client_secret_is_invalid_client(client_for, admin, published):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    response = exchange(published.client_id, published.secret + "x", callback["code"], verifier)
    assert response.status_code == 401
    assert _error(response) == "invalid_client"
    assert not AccessToken.objects.exists()
    # the right secret still works: the failed attempt did not consume the code
    assert (
        exchange(published.client_id, published.secret, callback["code"], verifier).status_code
        == 200
    )


def test_another_apps_credentials_cannot_exchange_a_code(
    client_for, admin, published, developer_account
):
    other = publish(developer_account, name="Other app")
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    response = exchange(other.client_id, other.secret, callback["code"], verifier)
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()


# --- scopes ---------------------------------------------------------------------------------


def test_asking_at_install_for_more_than_the_version_declares_is_invalid_scope(
    client_for, admin, published
):
    response = client_for(admin).get(
        authorize_url(published.client_id, scope="crm.accounts:full users:read")
    )
    params = callback_params(response)
    assert params["error"] == "invalid_scope"
    assert params["state"] == "s-123"
    assert not Installation.objects.exists()


@pytest.mark.parametrize("scope", ["crm.accounts:full", "crm:read", "users:full", "no.such:read"])
def test_asking_for_more_than_the_installation_grants_is_invalid_scope(
    client_for, admin, account, published, scope
):
    install(published, account=account, admin=admin)
    response = client_for(admin).get(authorize_url(published.client_id, scope=scope))
    assert callback_params(response)["error"] == "invalid_scope"
    assert not Grant.objects.exists()


def test_a_narrower_scope_gives_a_narrower_token(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published, scope="crm.accounts:read")
    assert tokens["scope"] == "crm.accounts:read"
    response = api_get(ME, tokens["access_token"])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_refresh_asking_for_more_is_invalid_scope(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published, scope="users:read")
    response = refresh(
        published.client_id,
        published.secret,
        tokens["refresh_token"],
        scope="users:read fin.invoices:full",
    )
    assert response.status_code == 400
    assert _error(response) == "invalid_scope"
    # the refresh token was not spent by the refused attempt
    again = refresh(published.client_id, published.secret, tokens["refresh_token"])
    assert again.status_code == 200, again.content
    assert again.json()["scope"] == "users:read"


def test_refresh_is_narrowed_to_the_current_grant(client_for, admin, account, published):
    installation = install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)
    Installation.objects.filter(pk=installation.pk).update(
        granted_scopes=["crm.accounts:read", "fin.invoices:read"]
    )
    response = refresh(published.client_id, published.secret, tokens["refresh_token"])
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "crm.accounts:read fin.invoices:read"


# --- tenancy --------------------------------------------------------------------------------


def test_a_token_never_reaches_another_accounts_data(
    client_for, admin, member, account, other_account, outsider, published
):
    install(published, account=account, admin=admin)
    install(published, account=other_account, admin=outsider)
    MembershipFactory(account=other_account)
    acme = tokens_for(client_for(admin), published)
    globex = tokens_for(client_for(outsider), published)

    acme_users = {
        u["email"] for u in api_get("/api/v1/users", acme["access_token"]).json()["results"]
    }
    globex_users = {
        u["email"] for u in api_get("/api/v1/users", globex["access_token"]).json()["results"]
    }
    assert acme_users == {"admin@acme.test", "member@acme.test"}
    assert "admin@globex.test" in globex_users
    assert not acme_users & globex_users
    assert api_get(ME, globex["access_token"]).json()["email"] == "admin@globex.test"
    # one account's refresh token never yields a token of the other installation
    renewed = refresh(published.client_id, published.secret, acme["refresh_token"])
    token = AccessToken.objects.get(token_checksum=_checksum(renewed.json()["access_token"]))
    assert token.installation.account_id == account.pk


def _checksum(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode()).hexdigest()


def test_consent_in_one_account_never_skips_consent_in_another(
    client_for, admin, account, other_account, outsider, developer_account
):
    user_level = publish(developer_account, name="Personal", authorization="user")
    MembershipFactory(account=other_account, user=admin, is_admin=True)
    install(user_level, account=account, admin=admin)
    install(user_level, account=other_account, admin=outsider)
    browser = client_for(admin)
    tokens_for(browser, user_level, account="acme")

    again = browser.get(authorize_url(user_level.client_id, account="acme", approval_prompt="auto"))
    assert "code" in callback_params(again)
    elsewhere = browser.get(
        authorize_url(user_level.client_id, account="globex", approval_prompt="auto")
    )
    assert elsewhere.status_code == 200
    assert elsewhere.context["account"] == other_account
    assert elsewhere.context["mode"] == "authorize"
    assert Grant.objects.count() == 2  # the first flow's code and the replay-free second one


# --- tokens that stop working ---------------------------------------------------------------


@pytest.fixture
def member_tokens(client_for, admin, member, account, sales_role, published):
    installation = install(published, account=account, admin=admin, roles=[sales_role.pk])
    tokens = tokens_for(client_for(member), published)
    assert api_get(ME, tokens["access_token"]).status_code == 200
    return installation, tokens


def _refused(published, tokens) -> None:
    response = api_get(ME, tokens["access_token"])
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "invalid_token"
    renewed = refresh(published.client_id, published.secret, tokens["refresh_token"])
    assert renewed.status_code in (400, 401), renewed.content
    assert _error(renewed) in ("invalid_grant", "invalid_client")
    assert AccessToken.objects.count() == 1  # nothing new was issued


def test_a_deactivated_user(member, published, member_tokens):
    member.is_active = False
    member.save(update_fields=["is_active"])
    _refused(published, member_tokens[1])


def test_a_user_removed_from_the_account(member, account, published, member_tokens):
    Membership.objects.filter(user=member, account=account).delete()
    _refused(published, member_tokens[1])


def test_a_user_whose_role_loses_access(admin, account, published, member_tokens):
    installation, tokens = member_tokens
    installation_access_set(
        installation=installation,
        role_ids=[],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    _refused(published, tokens)


def _access_by(admin, account, installation, *, roles=(), groups=()) -> None:
    installation_access_set(
        installation=installation,
        role_ids=list(roles),
        group_ids=list(groups),
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )


def _moved_to_another_role(admin, member, account, installation, support) -> None:
    _access_by(admin, account, installation, roles=[support.pk])


def _given_another_role(admin, member, account, installation, support) -> None:
    Membership.objects.filter(user=member, account=account).update(role=support)


@pytest.mark.parametrize("change", [_moved_to_another_role, _given_another_role])
def test_a_user_whose_role_is_no_longer_one_the_app_allows(
    client_for, admin, member, account, published, member_tokens, change
):
    """Another role keeps its access: the check is on the member's own role, not on there
    being some role allowed."""
    installation, tokens = member_tokens
    support = RoleFactory(account=account, name="Support", rights={"crm": "read"})

    change(admin, member, account, installation, support)

    _refused(published, tokens)
    again = client_for(member).get(authorize_url(published.client_id))
    assert again.status_code == 403
    assert again.context["refusal"].kind == "no_access"
    assert Grant.objects.count() == 1  # only the first flow's code


def test_a_user_whose_only_access_is_a_group_loses_it_with_the_group(
    client_for, admin, member, account, sales_role, published
):
    """The member's role (Sales) is not allowed; the Finance group is, and another member
    stays in it after the member leaves."""
    finance = GroupFactory(account=account, name="Finance")
    MembershipFactory(account=account, groups=[finance])
    installation = install(published, account=account, admin=admin, groups=[finance.pk])
    membership = Membership.objects.get(user=member, account=account)
    browser = client_for(member)
    outside = browser.get(authorize_url(published.client_id))
    assert outside.status_code == 403
    assert outside.context["refusal"].kind == "no_access"

    membership.groups.add(finance)
    tokens = tokens_for(browser, published)
    assert api_get(ME, tokens["access_token"]).status_code == 200
    assert AccessToken.objects.get().installation == installation

    membership.groups.remove(finance)

    _refused(published, tokens)
    again = browser.get(authorize_url(published.client_id))
    assert again.status_code == 403
    assert again.context["refusal"].kind == "no_access"
    assert Grant.objects.count() == 1  # only the first flow's code


def test_a_deactivated_app(published, member_tokens):
    app_deactivate(app=published.app)
    _refused(published, member_tokens[1])
    response = refresh(published.client_id, published.secret, member_tokens[1]["refresh_token"])
    assert _error(response) == "invalid_client"


def test_an_uninstalled_app(admin, account, published, member_tokens):
    installation, tokens = member_tokens
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    _refused(published, tokens)


def test_an_uninstalled_apps_code_cannot_be_exchanged(client_for, admin, account, published):
    installation = install(published, account=account, admin=admin)
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    response = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_a_deactivated_accounts_code_cannot_be_exchanged(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    Account.objects.filter(pk=account.pk).update(is_active=False)
    response = exchange(published.client_id, published.secret, callback["code"], verifier)
    assert response.status_code == 400
    assert _error(response) == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.exists()
    assert Grant.objects.get().consumed_at is None


# --- introspection --------------------------------------------------------------------------


def _introspect(token: str, auth: tuple[str, str] | None):
    from django.test import Client

    data = {"token": token}
    if auth is not None:
        data.update(client_id=auth[0], client_secret=auth[1])
    return Client().post("/oauth/introspect/", data)


def test_introspection_answers_only_about_the_callers_own_tokens(
    client_for, admin, account, published, developer_account
):
    other = publish(developer_account, name="Other app")
    install(published, account=account, admin=admin)
    install(other, account=account, admin=admin)
    mine = tokens_for(client_for(admin), published)
    theirs = tokens_for(client_for(admin), other)

    own = _introspect(mine["access_token"], (published.client_id, published.secret))
    assert own.status_code == 200
    body = own.json()
    assert body["active"] is True
    assert body["client_id"] == published.client_id
    assert body["account"] == "acme"
    assert body["username"] == "admin@acme.test"

    foreign = _introspect(theirs["access_token"], (published.client_id, published.secret))
    assert foreign.json() == {"active": False}
    refresh_token = _introspect(mine["refresh_token"], (published.client_id, published.secret))
    assert refresh_token.json() == {"active": False}
    unknown = _introspect("nope", (published.client_id, published.secret))
    assert unknown.json() == {"active": False}


@pytest.mark.parametrize("auth", [None, ("unknown", "secret"), ("own-id", "wrong")])
def test_introspection_without_client_authentication_is_401(
    client_for, admin, account, published, auth
):
    install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)
    if auth == ("own-id", "wrong"):
        auth = (published.client_id, "wrong")
    response = _introspect(tokens["access_token"], auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "active" not in response.json()


def test_introspection_of_a_token_of_an_uninstalled_app_is_inactive(
    client_for, admin, account, published
):
    installation = install(published, account=account, admin=admin)
    tokens = tokens_for(client_for(admin), published)
    installation_uninstall(
        installation=installation,
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    response = _introspect(tokens["access_token"], (published.client_id, published.secret))
    assert response.json() == {"active": False}


def _remove_member(admin, member, account, installation) -> None:
    Membership.objects.filter(user=member, account=account).delete()


def _lose_access(admin, member, account, installation) -> None:
    installation_access_set(
        installation=installation,
        role_ids=[],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )


def _deactivate_account(admin, member, account, installation) -> None:
    account.is_active = False
    account.save(update_fields=["is_active"])


@pytest.mark.parametrize("change", [_remove_member, _lose_access, _deactivate_account])
def test_introspection_is_inactive_whenever_the_api_refuses_the_token(
    admin, member, account, published, member_tokens, change
):
    installation, tokens = member_tokens
    auth = (published.client_id, published.secret)
    assert _introspect(tokens["access_token"], auth).json()["active"] is True

    change(admin, member, account, installation)

    assert api_get(ME, tokens["access_token"]).status_code == 401
    assert _introspect(tokens["access_token"], auth).json() == {"active": False}


def test_introspection_answers_for_the_client_that_authenticated_not_the_one_named(
    client_for, admin, account, published, developer_account
):
    import base64

    from django.test import Client

    other = publish(developer_account, name="Other app")
    install(published, account=account, admin=admin)
    install(other, account=account, admin=admin)
    victims = tokens_for(client_for(admin), published)
    # a wrong Basic header naming the victim app, and the caller's own credentials in the body
    basic = base64.b64encode(f"{published.client_id}:wrong".encode()).decode()
    response = Client().post(
        "/oauth/introspect/",
        {
            "token": victims["access_token"],
            "client_id": other.client_id,
            "client_secret": other.secret,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200
    assert response.json() == {"active": False}


@pytest.mark.parametrize(
    "grant_type",
    [
        "client_credentials",
        "password",
        "urn:ietf:params:oauth:grant-type:device_code",
        "implicit",
        "",
    ],
)
def test_grant_types_other_than_code_and_refresh_are_refused(published, grant_type):
    from urllib.parse import urlencode

    from django.test import Client

    response = Client().post(
        "/oauth/token/",
        urlencode(
            {
                "grant_type": grant_type,
                "client_id": published.client_id,
                "client_secret": published.secret,
                "username": "admin@acme.test",
                "password": "x",
                "device_code": "abc",
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert not AccessToken.objects.exists()
