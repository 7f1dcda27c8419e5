"""Tokens the platform issues to a signed-in user's embedded app without a code exchange
(the JS SDK's ``auth.tokens()``): stored as the token endpoint stores them (hashed, bound
to the installation and the member's membership, the refresh token in a new family)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import router, transaction
from django.utils import timezone
from oauth2_provider.models import set_token_value
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import generate_token

from apps.accounts.models import Membership, User
from apps.installations.models import Installation
from apps.oauth.models import AccessToken, RefreshToken


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str
    access_token_id: int


def token_pair_issue(
    *, installation: Installation, user: User, membership: Membership, scopes: list[str]
) -> IssuedTokens:
    """A new access and refresh token of ``user`` for ``installation`` with ``scopes``
    (the caller has checked the user may use the app). Every API request checks them with
    ``token_refusal`` like any other token."""
    raw_access, raw_refresh = generate_token(), generate_token()
    expires = timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    client = installation.app.oauth_application
    with transaction.atomic(using=router.db_for_write(AccessToken)):
        access = AccessToken(
            user=user,
            application=client,
            installation=installation,
            membership=membership,
            scope=" ".join(scopes),
            expires=expires,
        )
        set_token_value(access, raw_access)
        access.save(force_insert=True)
        refresh = RefreshToken(
            user=user,
            application=client,
            access_token=access,
            token_family=uuid.uuid4(),
            installation=installation,
        )
        set_token_value(refresh, raw_refresh)
        refresh.save(force_insert=True)
    return IssuedTokens(
        access_token=raw_access,
        refresh_token=raw_refresh,
        expires_at=expires,
        scope=access.scope,
        access_token_id=access.pk,
    )


def access_token_expiry(*, token_id: int, user_id: int, installation_id: int) -> datetime | None:
    """When the access token ``token_id`` of that user and installation expires; ``None``
    once it is gone (revoked, rotated out by a refresh, purged)."""
    return (
        AccessToken.objects.filter(pk=token_id, user_id=user_id, installation_id=installation_id)
        .values_list("expires", flat=True)
        .first()
    )
