"""Authorization codes are stored as their keyed digest, like client secrets and API
keys: the raw code is never written, and every lookup (exchange, redirect URI check, PKCE,
consumption, replay detection) goes through the digest. Codes written before are hashed
by a data migration."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.oauth.models import AccessToken, Grant, RefreshToken, code_digest
from tests.apps.oauth.conftest import code_for, install
from tests.factories.oauth import api_get, authorize_url, exchange, pkce_pair, refresh

pytestmark = pytest.mark.django_db


def _issued(client_for, admin, published) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    callback = code_for(client_for(admin), authorize_url(published.client_id, challenge=challenge))
    return callback["code"], verifier


def test_the_code_is_stored_as_its_digest_only(client_for, admin, published):
    code, _verifier = _issued(client_for, admin, published)

    grant = Grant.objects.get()
    assert grant.code == code_digest(code)
    assert code not in [str(v) for v in Grant.objects.values().get().values()]
    assert not Grant.objects.filter(code=code).exists()


def test_a_stored_digest_is_not_a_code(client_for, admin, published):
    _code, verifier = _issued(client_for, admin, published)
    digest = Grant.objects.get().code

    response = exchange(published.client_id, published.secret, digest, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert Grant.objects.get().consumed_at is None


def test_the_code_exchanges_once_and_a_replay_revokes_its_tokens(client_for, admin, published):
    code, verifier = _issued(client_for, admin, published)

    first = exchange(published.client_id, published.secret, code, verifier)
    assert first.status_code == 200, first.content
    assert Grant.objects.get().consumed_at is not None
    tokens = first.json()
    assert api_get("/api/v1/users/me", tokens["access_token"]).status_code == 200

    replay = exchange(published.client_id, published.secret, code, verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert api_get("/api/v1/users/me", tokens["access_token"]).status_code == 401
    assert (
        refresh(published.client_id, published.secret, tokens["refresh_token"]).status_code == 400
    )
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()


def test_the_redirect_uri_is_checked_against_the_grant_found_by_digest(
    client_for, admin, published
):
    code, verifier = _issued(client_for, admin, published)

    response = exchange(
        published.client_id,
        published.secret,
        code,
        verifier,
        redirect_uri="https://evil.example.com/oauth/callback",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_the_data_migration_hashes_codes_written_before(admin, account, published):
    installation = install(published, account=account, admin=admin)
    application = published.app.oauth_application
    raw = ["plainCodeWrittenBeforeTheUpgrade1", "plainCodeWrittenBeforeTheUpgrade2"]
    Grant.objects.bulk_create(
        Grant(
            application=application,
            user=admin,
            code=value,
            expires=timezone.now() + timedelta(minutes=5),
            redirect_uri="https://invoicer.example.com/oauth/callback",
            scope="users:read",
            installation=installation,
        )
        for value in raw
    )
    migration = importlib.import_module("apps.oauth.migrations.0003_hash_grant_codes")

    migration.hash_codes(django_apps, None)

    assert sorted(Grant.objects.values_list("code", flat=True)) == sorted(
        code_digest(value) for value in raw
    )
