"""The authorization code lives 10 minutes (RFC 6749 §4.1.2's recommended maximum), so an
app may keep it while its user signs up or in on the app's side (Pipedrive's documented
order) or while the admin fills in the settings an install needs; it is still single use.

A code "N minutes old" is a code issued now whose life is moved N minutes back: exactly
where a code issued N minutes ago would stand, whatever lifetime it was issued with."""

from datetime import timedelta

import pytest
from django.conf import settings
from oauth2_provider.models import get_grant_model

from apps.oauth.models import code_digest
from tests.apps.oauth.conftest import code_for
from tests.factories.oauth import authorize_url, exchange, pkce_pair

pytestmark = pytest.mark.django_db

Grant = get_grant_model()


def _code(client_for, admin, published):
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    return callback["code"], verifier


def _age(code: str, minutes: int) -> None:
    grant = Grant.objects.get(code=code_digest(code))
    Grant.objects.filter(pk=grant.pk).update(
        created=grant.created - timedelta(minutes=minutes),
        expires=grant.expires - timedelta(minutes=minutes),
    )


def test_the_code_lifetime_is_ten_minutes():
    assert settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"] == 600


def test_a_code_nine_minutes_old_is_exchanged(client_for, admin, account, published):
    code, verifier = _code(client_for, admin, published)
    _age(code, 9)

    response = exchange(published.client_id, published.secret, code, verifier)

    assert response.status_code == 200, response.content
    assert response.json()["access_token"]


def test_a_code_eleven_minutes_old_is_refused(client_for, admin, account, published):
    code, verifier = _code(client_for, admin, published)
    _age(code, 11)

    response = exchange(published.client_id, published.secret, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_is_exchanged_once(client_for, admin, account, published):
    code, verifier = _code(client_for, admin, published)
    _age(code, 9)
    first = exchange(published.client_id, published.secret, code, verifier)
    assert first.status_code == 200, first.content

    second = exchange(published.client_id, published.secret, code, verifier)

    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
