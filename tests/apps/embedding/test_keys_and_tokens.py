"""Signing keys, their rotation and the JWKS; the launch token's claims and signature."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from apps.accounts.actors import actor_for_user
from apps.core.crypto import decrypt
from apps.core.errors import NotFound, PermissionDenied
from apps.embedding.models import SigningKey
from apps.embedding.selectors import jwks, placement_get_for
from apps.embedding.services import (
    launch_token_issue,
    signing_key_active,
    signing_key_rotate,
    signing_key_rotate_if_due,
)
from apps.embedding.tasks import signing_key_rotate_due_task
from apps.installations.models import InstallationAccess

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def _actor(user):
    return actor_for_user(user=user, membership=user.memberships.get())


def _placement(user, installation):
    return placement_get_for(
        actor=_actor(user),
        installation_id=installation.pk,
        embedding_id="menu",
        host_origin=HOST,
    )


def _decode(token):
    return jwt.decode(token, KeySet.import_key_set(jwks()), algorithms=["ES256"])


def test_the_private_key_is_encrypted_at_rest_and_never_published():
    key = signing_key_active()
    assert "PRIVATE KEY" not in key.private_key
    assert "PRIVATE KEY" in decrypt(key.private_key)
    (published,) = jwks()["keys"]
    assert published["kid"] == key.kid
    assert published["alg"] == "ES256" and published["use"] == "sig"
    assert "d" not in published


def test_one_active_key_however_often_it_is_asked_for():
    assert signing_key_active().pk == signing_key_active().pk
    assert SigningKey.objects.count() == 1


def test_rotation_keeps_the_retired_key_published_until_its_last_token_expired():
    old = signing_key_active()
    now = timezone.now()
    new = signing_key_rotate(now=now)
    old.refresh_from_db()
    assert old.status == SigningKey.Status.RETIRED
    assert old.publish_until >= now + timedelta(minutes=5)
    assert [k["kid"] for k in jwks(now=now)["keys"]] == [new.kid, old.kid]
    later = old.publish_until + timedelta(seconds=1)
    assert [k["kid"] for k in jwks(now=later)["keys"]] == [new.kid]
    # The next rotation deletes it: nothing can carry it any more.
    newest = signing_key_rotate(now=later)
    assert not SigningKey.objects.filter(pk=old.pk).exists()
    assert set(SigningKey.objects.values_list("kid", flat=True)) == {new.kid, newest.kid}


def test_the_periodic_rotation_waits_for_the_key_to_age(settings):
    settings.EMBEDDING_KEY_MAX_AGE_DAYS = 30
    key = signing_key_active()
    assert signing_key_rotate_due_task() is False
    assert signing_key_rotate_due_task() is False
    SigningKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert signing_key_rotate_due_task() is True
    assert signing_key_rotate_if_due() is None
    assert SigningKey.objects.filter(status="active").exclude(pk=key.pk).count() == 1


def test_the_command_rotates(capsys):
    old = signing_key_active()
    call_command("rotate_launch_keys")
    out = capsys.readouterr().out
    new = SigningKey.objects.get(status="active")
    assert new.pk != old.pk
    assert new.kid in out and old.kid in out


def test_the_jwks_endpoint(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and "d" not in key
    assert client.post("/.well-known/jwks.json").status_code == 405


def test_the_launch_token_says_who_where_and_what_access(installation, member, admin):
    InstallationAccess.objects.create(installation=installation, role=member.memberships.get().role)
    token = launch_token_issue(
        actor=_actor(member),
        placement=_placement(member, installation),
        issuer="https://mk.test",
    )
    decoded = _decode(token.token)
    claims = decoded.claims
    assert decoded.header["alg"] == "ES256"
    assert decoded.header["kid"] == SigningKey.objects.get(status="active").kid
    assert claims["iss"] == "https://mk.test"
    assert claims["aud"] == installation.app.oauth_application.client_id
    assert claims["sub"] == str(member.pk)
    assert claims["account"] == "acme"
    assert claims["installation"] == installation.pk
    assert claims["location"] == "main_menu" and claims["embedding_id"] == "menu"
    assert claims["record"] is None
    assert claims["lang"] == "en"
    # Sales: crm full, no fin right; the grant: crm.accounts:read, fin.invoices:full.
    assert claims["access"] == ["crm.accounts:read"]
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert claims["jti"] == token.jti
    other = launch_token_issue(
        actor=_actor(admin),
        placement=_placement(admin, installation),
        issuer="https://mk.test",
    )
    assert _decode(other.token).claims["access"] == ["crm.accounts:read", "fin.invoices:full"]
    assert other.jti != token.jti


def test_a_token_of_a_rotated_key_still_verifies_and_a_tampered_one_does_not(installation, admin):
    token = launch_token_issue(
        actor=_actor(admin),
        placement=_placement(admin, installation),
        issuer="https://mk.test",
    ).token
    signing_key_rotate()
    assert _decode(token).claims["sub"] == str(admin.pk)
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature])
    with pytest.raises((BadSignatureError, ValueError)):
        _decode(forged)


def test_only_members_who_may_use_the_app_get_a_placement(installation, member, outsider):
    with pytest.raises(PermissionDenied):
        _placement(member, installation)  # no access rule admits Sales yet
    with pytest.raises(NotFound):
        _placement(outsider, installation)
    assert not SigningKey.objects.exists()


def test_an_embedding_of_the_marketplaces_own_origin_is_never_placed(installation, admin):
    with pytest.raises(NotFound):
        placement_get_for(
            actor=_actor(admin),
            installation_id=installation.pk,
            embedding_id="menu",
            host_origin="https://invoicer.example.com",
        )


def test_the_launch_token_speaks_the_users_language_else_the_accounts(installation, member):
    InstallationAccess.objects.create(installation=installation, role=member.memberships.get().role)
    account = installation.account
    account.language = "es"
    account.save(update_fields=["language"])

    def lang() -> str:
        member.refresh_from_db()
        token = launch_token_issue(
            actor=_actor(member), placement=_placement(member, installation), issuer=HOST
        )
        return _decode(token.token).claims["lang"]

    assert lang() == "es"  # no language of their own: the account's
    member.language = "pt"
    member.save(update_fields=["language"])
    assert lang() == "pt"
