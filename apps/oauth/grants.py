"""The token endpoint's half of the validator: the authorization-code exchange, the
refresh grant and the tokens both issue.

- Exchange: the code is read once with its installation, account, user and membership
  (``grant_get_for_exchange``); every later hook answers from that row. An unusable
  installation (``installation_unusable_reason``) refuses the code. A consumed code is a
  replay: every token issued from it is revoked. The code is spent and the
  tokens written in one transaction (``grant_consume``, a compare-and-set), so of two
  exchanges of one code at once one gets tokens and the other ``invalid_grant``, and the
  winner's tokens are revoked too. On PostgreSQL the spending and the writes are one
  statement (``pair_write``).
- Refresh: the refresh token is read once with its access token
  (``refresh_token_get_for_rotation``), then its facts (``refresh_token_facts_get``:
  installation, account, user, the user's membership and whether an access rule admits
  it); it is refused by ``token_refusal``, the rule of every API request (uninstalled,
  account or user deactivated, no longer a member or without access to the app); its
  scopes are narrowed to the installation's current grant. It is rotated out
  (``refresh_token_rotate_out``, a compare-and-set) and the new pair written in one
  transaction; a revoked one presented again revokes its whole family.
- Tokens carry the installation and the member's membership.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db import router, transaction
from django.utils import timezone
from oauth2_provider import cimd
from oauth2_provider.models import refresh_token_expire_timedelta
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from apps.installations.policies import installation_unusable_reason, scopes_within
from apps.oauth.errors import OAuthProtocolError
from apps.oauth.models import AccessToken, Grant, RefreshToken, code_digest
from apps.oauth.policies import token_refusal
from apps.oauth.selectors import (
    application_get_by_client_id,
    grant_get_for_exchange,
    refresh_token_facts_get,
    refresh_token_get_for_rotation,
)
from apps.oauth.tokens import (
    grant_consume,
    pair_write,
    pair_written_together,
    refresh_token_rotate_out,
)
from apps.scopes.catalog import Level
from apps.scopes.policies import UnknownScope, parse_scope


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


def narrowed_scopes(original: list[str], granted: list[str]) -> list[str]:
    """``original`` cut to what ``granted`` allows now: a scope no longer granted in full
    keeps its read level when that is still granted, else it is dropped."""
    result = []
    for scope in original:
        if scopes_within([scope], granted):
            result.append(scope)
            continue
        try:
            grant = parse_scope(scope)
        except (UnknownScope, ValueError):
            continue
        if grant.level is Level.FULL and scopes_within([f"{grant.code}:read"], granted):
            result.append(f"{grant.code}:read")
    return result


class TokenGrants(OAuth2Validator):
    """DOT's validator hooks for the two grants apps use (see the module's docstring)."""

    def _load_application(self, client_id: str, request: Any) -> Any:
        """DOT's, with the client read by a lookup compiled once; a client loaded before,
        an unknown ``client_id`` and one PostgreSQL cannot hold (a NUL) go DOT's way."""
        if request.client or not client_id or "\x00" in client_id:
            return super()._load_application(client_id, request)
        client = application_get_by_client_id(client_id=client_id)
        if client is None:
            return super()._load_application(client_id, request)
        client = cimd.refresh_if_stale(client, request=request)
        if not client.is_usable(request):
            return None
        request.client = client
        return client

    # --- authorization code ----------------------------------------------------------------

    def _grant(self, code: str, request: Any) -> Grant | None:
        """The client's grant for the code ``code``: the row ``validate_code`` read."""
        grant: Grant | None = getattr(request, "marketplace_grant", None)
        if grant is not None and grant.code == code_digest(code):
            return grant
        return grant_get_for_exchange(digest=code_digest(code), application_id=request.client.pk)

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        grant = grant_get_for_exchange(digest=code_digest(code), application_id=client.pk)
        if grant is None:
            return False
        if grant.consumed_at is not None:
            # A replayed code: whoever holds it, every token issued from it dies.
            RefreshToken.revoke_family(grant.token_family)
            return False
        installation = grant.installation
        if (
            grant.is_expired()
            or installation is None
            or installation_unusable_reason(
                status=installation.status, account_is_active=installation.account.is_active
            )
            is not None
            or not grant.user.is_active
        ):
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        request.marketplace_grant = grant
        return True

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        grant = self._grant(code, request)
        if grant is None or not grant.redirect_uri_allowed(redirect_uri):
            # RFC 6749 §5.2: a code used with another redirect URI than the one it was
            # issued for is ``invalid_grant`` (oauthlib would answer ``invalid_request``).
            raise errors.InvalidGrantError(
                description="The redirect_uri differs from the authorization request's.",
                request=request,
            )
        return True

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        """The code's PKCE challenge. A ``code_verifier`` sent for a code issued without
        one is refused (``invalid_grant``): RFC 9700 §2.1.1's defence against a PKCE
        downgrade, where an attacker who dropped the challenge from the authorization
        request would otherwise have the exchange accepted with any verifier."""
        grant = self._grant(code, request)
        challenge = grant.code_challenge if grant is not None else ""
        if not challenge and request.code_verifier is not None:
            raise errors.InvalidGrantError(
                description=(
                    "code_verifier was sent, but the code was issued without a code_challenge."
                ),
                request=request,
            )
        return challenge or None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant is not None else None

    def get_authorization_code_scopes(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> list[str]:
        grant = self._grant(code, request)
        return grant.scope.split() if grant is not None and grant.scope else []

    def get_authorization_code_nonce(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> str | None:
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant is not None else None

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # The code is spent in the transaction that writes the tokens (``save_bearer_token``).
        if getattr(request, "marketplace_grant_spent", False):
            return
        grant = getattr(request, "marketplace_grant", None)
        if grant is None or not grant_consume(grant=grant):
            raise GrantRefused(request=request)

    def _check_and_set_request_resource(self, request: Any) -> None:
        """DOT's RFC 8707 handling, with the code's granted resources taken from the row
        ``validate_code`` read instead of a second read of the grant."""
        grant: Grant | None = getattr(request, "marketplace_grant", None)
        if request.grant_type != "authorization_code" or grant is None:
            super()._check_and_set_request_resource(request)
            return
        # With no grant type DOT only normalises and validates the request's resources.
        request.grant_type = None
        try:
            super()._check_and_set_request_resource(request)
        finally:
            request.grant_type = "authorization_code"
        granted = grant.resource or []
        if request.resource and granted:
            for resource in request.resource:
                if resource not in granted:
                    raise errors.CustomOAuth2Error(
                        error=OAuthProtocolError.INVALID_TARGET,
                        description=(
                            f"The requested resource '{resource}' is not allowed. Token "
                            "request cannot escalate resource permissions beyond the original "
                            "authorization grant"
                        ),
                        request=request,
                    )
        elif granted:
            self._validate_resource_uris(request, granted)
            request.resource = granted

    # --- refresh token -----------------------------------------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        checksum = hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()
        rt = refresh_token_get_for_rotation(checksum=checksum)
        if rt is None:
            return False
        if rt.revoked is not None:
            # Rotated out or revoked, and presented again: reuse protection revokes the
            # family. No grace period applies (hashed storage rules one out, DOT's E001).
            if oauth2_settings.REFRESH_TOKEN_REUSE_PROTECTION:
                RefreshToken.revoke_family(rt.token_family)
            return False
        previous = rt.access_token
        if previous is None:
            return False
        lifetime = refresh_token_expire_timedelta()
        if lifetime and previous.expires + lifetime <= timezone.now():
            return False
        if rt.application_id != client.pk:
            return False
        # The same rule as every API request: uninstalled, deactivated account or user,
        # gone from the account or without access to the app: refused.
        facts = refresh_token_facts_get(refresh_token_id=rt.pk)
        if facts is None or token_refusal(facts, now=timezone.now()) is not None:
            return False
        request.user = facts.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = rt
        request.marketplace_token_facts = facts
        return True

    def get_original_scopes(
        self, refresh_token: str, request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # oauthlib never re-validates scopes on refresh: cut them to the current grant.
        original = request.refresh_token_instance.access_token.scope.split()
        granted = request.marketplace_token_facts.installation.granted_scopes
        return narrowed_scopes(original, list(granted))

    # --- issuing -----------------------------------------------------------------------------

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
        """The access token and the refresh token to issue, not yet saved."""
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        previous = getattr(request, "refresh_token_instance", None)
        access_token = self._access_token(expires, request, token, source_refresh_token=previous)
        refresh_token = self._refresh_token(request, token["refresh_token"], access_token, previous)
        return access_token, refresh_token

    def _save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if request.grant_type == "refresh_token" and not self.rotate_refresh_token(request):
            return super()._save_bearer_token(token, request, *args, **kwargs)
        self._check_scope(token)
        self._check_and_set_request_resource(request)
        expires = timezone.now() + timedelta(
            seconds=token.get("expires_in", oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
        )
        previous = getattr(request, "refresh_token_instance", None)
        access_token = self._create_access_token(
            expires, request, token, source_refresh_token=previous
        )
        if token.get("refresh_token"):
            self._create_refresh_token(request, token["refresh_token"], access_token, previous)
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
