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

The writes themselves (spending, rotating out, issuing the pair) are
``apps.oauth.issuing``, the validator's base here.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from oauth2_provider import cimd
from oauth2_provider.models import refresh_token_expire_timedelta
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749 import errors

from apps.installations.policies import installation_unusable_reason, scopes_within
from apps.oauth.errors import OAuthProtocolError
from apps.oauth.issuing import GrantRefused, TokenIssuing
from apps.oauth.models import Grant, RefreshToken, code_digest
from apps.oauth.policies import token_refusal
from apps.oauth.selectors import (
    application_get_by_client_id,
    grant_get_for_exchange,
    refresh_token_facts_get,
    refresh_token_get_for_rotation,
)
from apps.oauth.tokens import grant_consume
from apps.scopes.catalog import Level
from apps.scopes.policies import UnknownScope, parse_scope


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


class TokenGrants(TokenIssuing):
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
