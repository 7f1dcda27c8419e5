"""The periodic purge of expired and revoked OAuth grants and tokens, in batches (the
cascades delete an installation's or an app's through the OAuth context's deletion plan,
``apps/oauth/deletion.py``).

Access and refresh tokens point at each other (``RefreshToken.access_token``,
``AccessToken.source_refresh_token``), so each batch clears the pointers into it before
deleting (the pointers the OAuth context declares). Nothing here goes through the
deletion collector (see ``docs/performance.md``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from apps.core.deletion import Pointer
from apps.lifecycle.services.batches import BATCH_SIZE, NO_DEADLINE, Deadline, Tally, delete_all
from apps.oauth.deletion import ACCESS_TOKEN_POINTERS, REFRESH_TOKEN_POINTERS
from apps.oauth.models import AccessToken, Grant, IDToken, RefreshToken

__all__ = ["Tally", "expired_token_filters", "tokens_purge_expired"]


def expired_token_filters(now: datetime | None = None) -> dict[str, models.QuerySet[Any]]:
    """What the periodic purge removes, named, in the order it removes it.

    The same rules as django-oauth-toolkit's ``cleartokens`` under this platform's
    settings (refresh-token reuse protection, a finite refresh-token lifetime):

    - refresh tokens revoked more than the refresh lifetime ago (a revoked token is kept
      that long so a replay of it can still be recognised and its family revoked);
    - refresh tokens that lost their access token without being revoked (orphans);
    - refresh tokens idle for longer than the refresh lifetime (their access token
      expired that long ago);
    - access tokens that expired and have no refresh token;
    - ID tokens that expired and have no access token;
    - authorization codes past their expiry (used or not).
    """
    now = now or timezone.now()
    refresh_lifetime = timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
    refresh_cutoff = now - refresh_lifetime
    return {
        "revoked_refresh_tokens": RefreshToken.objects.filter(revoked__lte=refresh_cutoff),
        "orphan_refresh_tokens": RefreshToken.objects.filter(
            revoked__isnull=True, access_token__isnull=True
        ),
        "idle_refresh_tokens": RefreshToken.objects.filter(
            revoked__isnull=True, access_token__expires__lte=refresh_cutoff
        ),
        "expired_access_tokens": AccessToken.objects.filter(
            expires__lt=now, refresh_token__isnull=True
        ),
        "expired_id_tokens": IDToken.objects.filter(expires__lt=now, access_token__isnull=True),
        "expired_grants": Grant.objects.filter(expires__lt=now),
    }


_POINTERS: dict[type[models.Model], tuple[Pointer, ...]] = {
    RefreshToken: REFRESH_TOKEN_POINTERS,
    AccessToken: ACCESS_TOKEN_POINTERS,
}


def tokens_purge_expired(
    *, deadline: Deadline = NO_DEADLINE, batch_size: int = BATCH_SIZE
) -> Tally:
    """Delete expired and revoked tokens and codes (``expired_token_filters``) in batches
    of ``batch_size``, one short transaction each, until none is left or ``deadline``
    passes. No table-wide lock; safe to run on two workers at once (on PostgreSQL they
    skip each other's batches). Idempotent."""
    tally = Tally()
    for name, queryset in expired_token_filters().items():
        count, complete = delete_all(
            queryset,
            pointers=_POINTERS.get(queryset.model, ()),
            deadline=deadline,
            batch_size=batch_size,
            skip_locked=True,
        )
        if not tally.add(name, count, complete):
            break
    return tally
