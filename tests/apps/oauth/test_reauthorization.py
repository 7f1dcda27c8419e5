"""Token lifetimes and reauthorization: once the refresh token has expired, every call
fails with 401 ``invalid_token``, the refresh is refused, and the app sends the user
through the authorize flow again, which for an installed account-level app needs no
consent screen."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from tests.apps.oauth.conftest import install, tokens_for
from tests.factories.oauth import api_get, refresh

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()


def test_lifetimes_are_one_hour_and_a_year(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    body = tokens_for(client_for(admin), published)

    assert body["expires_in"] == 3600
    assert settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"] == 365 * 24 * 3600
    token = AccessToken.objects.get()
    assert timedelta(minutes=59) < token.expires - timezone.now() <= timedelta(hours=1)


def test_after_the_refresh_token_expires_the_app_reauthorizes(
    client_for, admin, account, published
):
    install(published, account=account, admin=admin)
    browser = client_for(admin)
    body = tokens_for(browser, published)
    # A year and a day later: the access token expired long ago, and the refresh token
    # (which lives REFRESH_TOKEN_EXPIRE_SECONDS past its access token) too.
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=366))

    call = api_get("/api/v1/users/me", body["access_token"])
    assert call.status_code == 401
    assert call.json()["error"]["code"] == "invalid_token"
    assert "expired" in call.json()["error"]["message"]
    renewed = refresh(published.client_id, published.secret, body["refresh_token"])
    assert renewed.status_code == 400
    assert renewed.json()["error"] == "invalid_grant"

    # Reauthorization: the authorize flow again, no consent screen for an installed
    # account-level app, and the new tokens work.
    again = tokens_for(browser, published)
    assert api_get("/api/v1/users/me", again["access_token"]).status_code == 200


def test_a_refresh_token_within_its_lifetime_still_works_after_the_access_token_expired(
    client_for, admin, account, published
):
    install(published, account=account, admin=admin)
    body = tokens_for(client_for(admin), published)
    AccessToken.objects.update(expires=timezone.now() - timedelta(days=300))

    assert api_get("/api/v1/users/me", body["access_token"]).status_code == 401
    renewed = refresh(published.client_id, published.secret, body["refresh_token"])
    assert renewed.status_code == 200, renewed.content
    assert api_get("/api/v1/users/me", renewed.json()["access_token"]).status_code == 200
