"""The token endpoint's writes: spending the code (or rotating the refresh token out) and
issuing the new pair, the half of the validator that ``apps.oauth.grants`` builds on.

Of two requests spending one code (or one refresh token) at once exactly one writes:
the spending is a compare-and-set (``apps.oauth.tokens``) in the transaction that writes
the new tokens, and on PostgreSQL the compare-and-set and the inserts are one statement
(``pair_write``). The new access token is announced as written (``issued_access_tokens``),
never read back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db import router, transaction
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from apps.oauth.models import AccessToken, RefreshToken
from apps.oauth.tokens import (
    grant_consume,
    pair_write,
    pair_written_together,
    refresh_token_rotate_out,
)


class GrantRefused(errors.InvalidGrantError):
    """``invalid_grant`` raised while tokens are being saved: oauthlib has left its error
    handling by then, and DOT answers with the error's own headers, so they carry the
    token endpoint's JSON content type and no-store."""

    @property
    def headers(self) -> dict[str, str]:
        return {
            **super().headers,
            "Content-Type": "application/json",
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        }


_issued: ContextVar[list[Any] | None] = ContextVar("oauth_issued_access_tokens", default=None)


@contextmanager
def issued_access_tokens() -> Iterator[list[Any]]:
    """The access tokens issued inside the block, as they were saved (DOT's token view
    would read the new token back by its checksum to announce it)."""
    issued: list[Any] = []
    reset = _issued.set(issued)
    try:
        yield issued
    finally:
        _issued.reset(reset)


class TokenIssuing(OAuth2Validator):
    """DOT's validator hooks that write tokens (see the module's docstring)."""

    def save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Spend the code (or rotate the refresh token out) and write the new tokens, in one
        transaction (on PostgreSQL in one statement, ``pair_write``). The loser of a race
        writes nothing and gets ``invalid_grant``; a code whose race was lost takes the
        winner's tokens with it."""
        spending = request.grant_type == "authorization_code"
        rotating = request.grant_type == "refresh_token" and self.rotate_refresh_token(request)
        using = router.db_for_write(AccessToken)
        if (spending or rotating) and token.get("refresh_token") and pair_written_together(using):
            self._check_scope(token)
            self._check_and_set_request_resource(request)
            access_token, refresh_token = self._new_pair(token, request)
            spend = request.marketplace_grant if spending else request.refresh_token_instance
            won = pair_write(
                spend=spend, access_token=access_token, refresh_token=refresh_token, using=using
            )
            refusal = self._spent(request, won=won)
            if refusal is None:
                self._announce(access_token)
        else:
            with transaction.atomic(using=using):
                refusal = None
                if spending:
                    won = grant_consume(grant=request.marketplace_grant)
                    refusal = self._spent(request, won=won)
                elif rotating:
                    won = refresh_token_rotate_out(refresh_token=request.refresh_token_instance)
                    refusal = self._spent(request, won=won)
                if refusal is None:
                    self._save_bearer_token(token, request, *args, **kwargs)
        if refusal is not None:
            raise refusal

    def _spent(self, request: Any, *, won: bool) -> GrantRefused | None:
        """The refusal of a request whose code (or refresh token) another request spent
        first, or ``None`` when this one spent it."""
        if request.grant_type == "authorization_code":
            if won:
                request.marketplace_grant_spent = True
                return None
            # Lost a race with another exchange of the same code: the winner's tokens go too.
            RefreshToken.revoke_family(request.marketplace_grant.token_family)
            return GrantRefused(request=request)
        if won:
            return None
        return GrantRefused(description="The refresh token was already used.", request=request)

    def _check_scope(self, token: dict[str, Any]) -> None:
        if "scope" not in token:
            raise errors.FatalClientError("Failed to renew access token: missing scope")

    def _announce(self, access_token: Any) -> None:
        issued = _issued.get()
        if issued is not None:
            issued.append(access_token)

    def _new_pair(self, token: dict[str, Any], request: Any) -> tuple[Any, Any]:
        """The access token and the refresh token (``None`` when ``token`` has none) to
        issue, not yet saved."""
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        previous = getattr(request, "refresh_token_instance", None)
        access_token = self._access_token(expires, request, token, source_refresh_token=previous)
        if not token.get("refresh_token"):
            return access_token, None
        refresh_token = self._refresh_token(request, token["refresh_token"], access_token, previous)
        return access_token, refresh_token

    def _save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if request.grant_type == "refresh_token" and not self.rotate_refresh_token(request):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        self._check_scope(token)
        self._check_and_set_request_resource(request)
        access_token, refresh_token = self._new_pair(token, request)
        access_token.save(force_insert=True)
        if refresh_token is not None:
            refresh_token.save(force_insert=True)
        self._announce(access_token)
        return access_token

    def _bound_to(self, request: Any) -> tuple[int | None, int | None]:
        """The installation and membership the new tokens carry: the code's installation
        and the user's membership of its account; on refresh, the refresh token's
        installation and the membership ``token_refusal`` accepted."""
        grant = getattr(request, "marketplace_grant", None)
        if grant is not None:
            # Django sets no attribute when the joined membership is missing.
            member = getattr(grant, "member", None)
            return grant.installation_id, member.pk if member is not None else None
        membership = request.marketplace_token_facts.membership
        return (
            request.refresh_token_instance.installation_id,
            membership.pk if membership is not None else None,
        )

    def _access_token(
        self,
        expires: datetime,
        request: Any,
        token: dict[str, Any],
        source_refresh_token: Any = None,
    ) -> Any:
        installation_id, membership_id = self._bound_to(request)
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
            installation_id=installation_id,
            membership_id=membership_id,
        )
        self._set_token_value(access_token, token["access_token"])
        return access_token

    def _create_access_token(
        self,
        expires: datetime,
        request: Any,
        token: dict[str, Any],
        source_refresh_token: Any = None,
    ) -> Any:
        access_token = self._access_token(
            expires, request, token, source_refresh_token=source_refresh_token
        )
        access_token.save(force_insert=True)
        return access_token

    def _refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        if previous_refresh_token is not None:
            family = previous_refresh_token.token_family
        else:
            grant = getattr(request, "marketplace_grant", None)
            family = (
                grant.token_family if grant is not None and grant.token_family else uuid.uuid4()
            )
        refresh_token = RefreshToken(
            user=request.user,
            application=request.client,
            access_token=access_token,
            token_family=family,
            resource=getattr(request, "resource", []),
            installation_id=access_token.installation_id,
        )
        self._set_token_value(refresh_token, refresh_token_code)
        return refresh_token

    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        refresh_token = self._refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        refresh_token.save(force_insert=True)
        return refresh_token
