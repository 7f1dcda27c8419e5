"""Writes of the embedding context: signing keys and their rotation, launch tokens.

A launch token tells an embedded app's backend who opened it, where and with what
access; it is signed with the platform's active key (ES256) and verified against the
JWKS. It is never a live API token: it authorizes nothing on the API.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt

from apps.accounts.actors import Actor
from apps.core.crypto import decrypt, encrypt
from apps.core.errors import PermissionDenied, ValidationFailed
from apps.embedding.errors import EmbeddingError
from apps.embedding.keys import ALGORITHM, key_generate, key_load
from apps.embedding.models import SigningKey
from apps.embedding.policies import (
    LAUNCH_TOKEN_MAX_SECONDS,
    effective_access,
    launch_claims,
    launch_language,
)
from apps.embedding.selectors import Placement
from apps.installations.selectors import (
    SettingField,
    installation_settings,
    user_authorization_get,
)
from apps.installations.services import installation_settings_save
from apps.oauth.issue import access_token_expiry, token_pair_issue

# Clock skew allowed to verifiers: a retired key stays published this much longer.
_LEEWAY = timedelta(seconds=60)


def _create_active() -> SigningKey:
    kid, private, public = key_generate()
    return SigningKey.objects.create(
        kid=kid, algorithm=ALGORITHM, private_key=private, public_jwk=public
    )


def signing_key_active() -> SigningKey:
    """The key that signs now, created on first use. Two first uses at once create one
    key: the database allows one active key, and the loser reads the winner's."""
    key = SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create_active()
    except IntegrityError:
        return SigningKey.objects.get(status=SigningKey.Status.ACTIVE)


@transaction.atomic
def signing_key_rotate(*, now: datetime | None = None) -> SigningKey:
    """Retire the active key and make a new one active. The retired key stays published
    until the last token it signed has expired (``LAUNCH_TOKEN_MAX_SECONDS`` and a
    minute of clock skew); retired keys past that are deleted. Returns the new key.
    Each call rotates once; concurrent calls are serialised on the active row."""
    now = now or timezone.now()
    SigningKey.objects.filter(status=SigningKey.Status.RETIRED, publish_until__lte=now).delete()
    current = SigningKey.objects.select_for_update().filter(status=SigningKey.Status.ACTIVE).first()
    if current is not None:
        SigningKey.objects.filter(pk=current.pk, status=SigningKey.Status.ACTIVE).update(
            status=SigningKey.Status.RETIRED,
            retired_at=now,
            publish_until=now + timedelta(seconds=LAUNCH_TOKEN_MAX_SECONDS) + _LEEWAY,
            updated_at=now,
        )
    return _create_active()


def signing_key_rotate_if_due(*, now: datetime | None = None) -> SigningKey | None:
    """Rotate when the active key is older than ``EMBEDDING_KEY_MAX_AGE_DAYS`` (or there
    is none); else only delete retired keys no token can carry any more. Idempotent
    within a period: the second call finds a young key. Returns the new key, if any."""
    now = now or timezone.now()
    max_age = timedelta(days=settings.EMBEDDING_KEY_MAX_AGE_DAYS)
    active = SigningKey.objects.filter(status=SigningKey.Status.ACTIVE).first()
    if active is not None and active.created_at > now - max_age:
        SigningKey.objects.filter(status=SigningKey.Status.RETIRED, publish_until__lte=now).delete()
        return None
    return signing_key_rotate(now=now)


@dataclass(frozen=True)
class LaunchToken:
    token: str
    jti: str
    expires_at: int
    claims: dict[str, Any]


def launch_token_issue(
    *,
    actor: Actor,
    placement: Placement,
    issuer: str,
    record: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> LaunchToken:
    """A signed launch token for ``actor``'s user opening ``placement`` (an embedding
    the user may use now, from ``placement_get_for``): audience the app's client id,
    the user's effective access (the grant intersected with the user's rights), at most
    five minutes of life, a unique ``jti``. Raises ``PermissionDenied`` for anyone but
    a member of the installation's account."""
    user = actor.user
    membership = actor.membership
    installation = placement.installation
    if user is None or membership is None or membership.account_id != installation.account_id:
        raise PermissionDenied(
            "Only a member of the account can open its apps.",
            code=EmbeddingError.NOT_AUTHORIZED,
        )
    now = now or timezone.now()
    key = signing_key_active()
    jti = secrets.token_urlsafe(16)
    claims = launch_claims(
        issuer=issuer,
        client_id=installation.app.oauth_application.client_id,
        user_id=user.pk,
        account=installation.account.slug,
        installation_id=installation.pk,
        app_code=str(installation.app.code),
        version=installation.version.number,
        location=placement.location,
        embedding_id=placement.embedding_id,
        record=record,
        lang=launch_language(
            user_language=user.language,
            account_language=installation.account.language,
        ),
        access=effective_access(installation.granted_scopes, rights=actor.rights),
        issued_at=int(now.timestamp()),
        lifetime=settings.EMBEDDING_LAUNCH_TOKEN_SECONDS,
        jti=jti,
    )
    token = jwt.encode(
        {"alg": key.algorithm, "kid": key.kid, "typ": "JWT"}, claims, key_load(key.private_key)
    )
    return LaunchToken(token=token, jti=jti, expires_at=claims["exp"], claims=claims)


def sdk_tokens_get(
    *, actor: Actor, placement: Placement, held: MutableMapping[str, Any]
) -> dict[str, Any]:
    """The current user's access and refresh tokens for the placement's installation
    (the SDK's ``auth.tokens()``), never another user's: issued to ``actor``'s user alone.

    The pair is kept encrypted in ``held`` (the user's session) and given again while its
    access token lives at least another minute; otherwise a new pair is issued. A
    user-level app needs the user's own consent first (``not_authorized``). The scopes
    are the installation's grant (a user-level app's: the part the user agreed to)."""
    user, membership = actor.user, actor.membership
    installation = placement.installation
    if user is None or membership is None or membership.account_id != installation.account_id:
        raise PermissionDenied(
            "Only a member of the account can use its apps.", code=EmbeddingError.NOT_AUTHORIZED
        )
    scopes = list(installation.granted_scopes)
    if placement.user_level:
        consent = user_authorization_get(installation=installation, user=user)
        if consent is None:
            raise PermissionDenied(
                f"Authorize “{placement.app_name}” first: use its Authorize button.",
                code=EmbeddingError.NOT_AUTHORIZED,
            )
        scopes = [scope for scope in scopes if scope in set(consent.scopes)]
    slot = f"embedding.tokens.{installation.pk}.{user.pk}"
    now = timezone.now()
    kept = held.get(slot)
    if isinstance(kept, dict):
        expires = access_token_expiry(
            token_id=kept.get("id", 0), user_id=user.pk, installation_id=installation.pk
        )
        if expires is not None and expires > now + timedelta(minutes=1):
            pair = json.loads(decrypt(kept["pair"]))
            return {**pair, "expires_in": int((expires - now).total_seconds())}
    issued = token_pair_issue(
        installation=installation, user=user, membership=membership, scopes=scopes
    )
    pair = {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": "Bearer",
        "scope": issued.scope,
    }
    held[slot] = {"id": issued.access_token_id, "pair": encrypt(json.dumps(pair))}
    return {**pair, "expires_in": int((issued.expires_at - now).total_seconds())}


def _shown(fields: list[SettingField]) -> dict[str, Any]:
    """Settings as the browser may see them: plain values; for a secret only whether it
    is set, never its value or any part of it; for a file its name."""
    shown: dict[str, Any] = {}
    for field in fields:
        kind = field.setting.type
        if kind == "secret":
            shown[field.setting.key] = {"set": field.is_set}
        elif kind == "file":
            shown[field.setting.key] = {"file": field.file_name or None}
        else:
            shown[field.setting.key] = field.value
    return shown


def sdk_settings_get(*, actor: Actor, placement: Placement, level: str) -> dict[str, Any]:
    """The app-level settings of the placement's installation, or the current user's own
    user-level ones (the SDK's ``settings.app()`` / ``settings.user()``); secrets only as
    ``{"set": bool}``."""
    if level not in ("app", "user") or actor.user is None:
        raise ValidationFailed("Unknown level.", fields={"level": ["Use app or user."]})
    fields = installation_settings(
        installation=placement.installation,
        level=level,
        user=actor.user if level == "user" else None,
    )
    return _shown(fields)


def sdk_settings_set_user(*, actor: Actor, placement: Placement, values: Any) -> dict[str, Any]:
    """Save the current user's own user-level settings (``settings.setUser(values)``)
    through the one settings service, and answer them as ``sdk_settings_get`` does.
    ``ValidationFailed`` naming the field for a bad value; nothing is written then."""
    if not isinstance(values, dict) or not values:
        raise ValidationFailed(
            "Give the settings to save as an object of key: value.",
            fields={"values": ["Give at least one setting."]},
        )
    installation_settings_save(
        installation=placement.installation,
        level="user",
        user=actor.user,
        values=values,
        actor=actor,
    )
    return sdk_settings_get(actor=actor, placement=placement, level="user")
