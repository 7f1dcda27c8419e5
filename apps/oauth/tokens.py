"""Writes of the token endpoint: spending a code, rotating a refresh token out.

Each is a compare-and-set on the row, so of two exchanges of one code (or two refreshes of
one refresh token) running at once exactly one wins, whatever the database: the loser's
``UPDATE`` matches no row (on PostgreSQL it waits for the winner's commit and re-checks).
Call them inside the transaction that writes the new tokens, before writing them.
"""

from __future__ import annotations

from django.db import router
from django.utils import timezone

from apps.oauth.models import AccessToken, Grant, RefreshToken


def grant_consume(*, grant: Grant) -> bool:
    """Mark the code ``grant`` used (``consumed_at``). True when this call did; False when
    it was already used (a replay, or a concurrent exchange that won). Not idempotent by
    design: a code is spent once."""
    now = timezone.now()
    consumed = Grant.objects.filter(pk=grant.pk, consumed_at__isnull=True).update(
        consumed_at=now, updated=now
    )
    return bool(consumed)


def refresh_token_rotate_out(*, refresh_token: RefreshToken) -> bool:
    """Revoke the live refresh token ``refresh_token`` and delete the access token issued
    with it, as ``RefreshToken.revoke()`` does, in two statements and without locking
    first. True when this call revoked it; False when it was already revoked (used by a
    concurrent refresh, or revoked meanwhile), and then nothing is written."""
    now = timezone.now()
    revoked = RefreshToken.objects.filter(pk=refresh_token.pk, revoked__isnull=True).update(
        revoked=now, updated=now, access_token=None
    )
    if not revoked:
        return False
    if refresh_token.access_token_id is not None:
        # The one row pointing at it (this refresh token) was just cleared, so the
        # collector's SELECT and SET NULL round trips have nothing to do.
        previous = AccessToken.objects.filter(pk=refresh_token.access_token_id)
        previous._raw_delete(using=router.db_for_write(AccessToken))  # type: ignore[attr-defined]
    refresh_token.revoked = now
    refresh_token.access_token = None
    return True
