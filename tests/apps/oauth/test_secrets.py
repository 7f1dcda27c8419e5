"""Secrets of the flow never show: not the client secret, codes, access or refresh tokens
in any page the browser gets or in any log line (every logger at DEBUG), and tokens are
stored only as checksums."""

import hashlib
import logging

import pytest
from django.test import Client

from apps.accounts.actors import actor_for_user
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken
from tests.apps.oauth.conftest import install
from tests.factories.oauth import (
    allow,
    api_get,
    authorize_url,
    callback_params,
    exchange,
    pkce_pair,
    refresh,
)

pytestmark = pytest.mark.django_db


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_no_secret_in_pages_or_logs_and_tokens_stored_hashed(
    caplog, client_for, admin, member, account, sales_role, published
):
    # Everything at DEBUG, as with LOG_LEVEL=DEBUG: the project's logging settings apply.
    caplog.set_level(logging.DEBUG)
    for name in ("oauth2_provider", "apps", "console", "django.request"):
        caplog.set_level(logging.DEBUG, logger=name)
    pages: list[str] = []
    browser = client_for(admin)
    verifier, challenge = pkce_pair()
    url = authorize_url(published.client_id, challenge=challenge)

    consent = browser.get(url)
    pages.append(consent.content.decode())
    callback = callback_params(allow(browser, url))
    code = callback["code"]
    tokens = exchange(published.client_id, published.secret, code, verifier).json()
    renewed = refresh(published.client_id, published.secret, tokens["refresh_token"]).json()
    me = api_get("/api/v1/users/me", renewed["access_token"])
    assert me.status_code == 200
    pages.append(me.content.decode())
    stored = AccessToken.objects.get(token_checksum=_sha256(renewed["access_token"]))
    assert stored.token == ""
    stored_refresh = RefreshToken.objects.get(token_checksum=_sha256(renewed["refresh_token"]))
    assert stored_refresh.token == ""
    # failures log too: a replayed code, an old refresh token, a revoked access token
    pages.append(exchange(published.client_id, published.secret, code, verifier).content.decode())
    pages.append(
        refresh(published.client_id, published.secret, tokens["refresh_token"]).content.decode()
    )
    pages.append(api_get("/api/v1/users/me", tokens["access_token"]).content.decode())
    pages.append(
        Client()
        .post(
            "/oauth/introspect/",
            {"token": renewed["access_token"], "client_id": published.client_id},
        )
        .content.decode()
    )
    # a member's account-level authorization, which answers with a redirect directly
    installation = published.app.installations.get()
    from apps.accounts.models import Membership
    from apps.installations.services import installation_access_set

    installation_access_set(
        installation=installation,
        role_ids=[sales_role.pk],
        group_ids=[],
        actor=actor_for_user(
            user=admin, membership=Membership.objects.get(user=admin, account=account)
        ),
    )
    member_code = callback_params(client_for(member).get(authorize_url(published.client_id)))[
        "code"
    ]
    pages.append(browser.get("/", follow=True).content.decode())

    secrets = {
        "client secret": published.secret,
        "code": code,
        "member's code": member_code,
        "access token": tokens["access_token"],
        "refresh token": tokens["refresh_token"],
        "renewed access token": renewed["access_token"],
        "renewed refresh token": renewed["refresh_token"],
    }
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the flow logged nothing: the capture is not working"
    for label, value in secrets.items():
        for page in pages:
            assert value not in page, f"the {label} appears in a page"
        assert value not in logs, f"the {label} appears in the logs"

    for token in AccessToken.objects.all():
        assert token.token == ""
        assert len(token.token_checksum) == 64
    for token in RefreshToken.objects.all():
        assert token.token == ""
    for value in secrets.values():
        assert not AccessToken.objects.filter(token=value).exists()
        assert not RefreshToken.objects.filter(token=value).exists()
    application = Application.objects.get(pk=published.app.oauth_application.pk)
    assert application.client_secret != published.secret
    assert published.secret not in application.client_secret
    assert Grant.objects.count() == 2


def test_install_flow_pages_never_show_the_client_secret(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    page = client_for(admin).get(authorize_url(published.client_id, scope="users:read"))
    assert page.status_code == 302
    error = client_for(admin).get(authorize_url(published.client_id, redirect_uri="https://x.test"))
    assert published.secret not in error.content.decode()
