"""The OAuth validator: DOT's, bound to installations.

- Authorize: redirect URIs are matched exactly against the manifest of the version in
  play, and scopes must lie within what the installation grants (or what the version being
  installed asks); the code carries the installation.
- Token: a code is consumed once; a replay revokes every token issued from it. Tokens
  carry the installation and the member's membership; their refresh is refused once the
  installation, user or membership is gone, and narrowed to the installation's current
  grant.
- Resource and refresh: whether a token may act is ``apps.oauth.policies.token_refusal``
  on the token as ``apps.oauth.selectors`` loads it (one query).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from apps.accounts.models import Membership
from apps.installations.models import InstallationStatus
from apps.installations.policies import scopes_within
from apps.oauth.context import current_context
from apps.oauth.models import code_digest
from apps.oauth.policies import token_refusal
from apps.oauth.selectors import (
    access_token_get_by_checksum,
    refresh_token_facts_get,
    token_checksum,
)
from apps.scopes.catalog import Level
from apps.scopes.policies import UnknownScope, parse_scope

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
Application = get_application_model()


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


def _known(scopes: list[str]) -> bool:
    try:
        for scope in scopes:
            parse_scope(scope)
    except (UnknownScope, ValueError):
        return False
    return True


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


class PlatformValidator(OAuth2Validator):
    # --- authorize ------------------------------------------------------------------------

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        context = current_context()
        return context is not None and redirect_uri in context.redirect_uris

    def get_default_redirect_uri(
        self, client_id: str, request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        context = current_context()
        return context.redirect_uris[0] if context is not None and context.redirect_uris else None

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        context = current_context()
        if context is None or not scopes or not _known(scopes):
            return False
        return scopes_within(scopes, context.available_scopes)

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        client = getattr(request, "client", None)
        if client is None:
            client = Application.objects.filter(client_id=client_id).only("client_type").first()
        # Public clients must prove possession with PKCE; confidential ones may.
        return client is None or client.client_type == Application.CLIENT_PUBLIC

    def _create_authorization_code(
        self, request: Any, code: dict[str, str], expires: Any = None
    ) -> Any:
        context = current_context()
        if context is None or context.installation is None:
            raise errors.InvalidRequestError(
                description="The authorization has no installation.", request=request
            )
        # Only the code's digest is stored; the client gets the code itself from oauthlib.
        grant = super()._create_authorization_code(
            request, {**code, "code": code_digest(code["code"])}, expires
        )
        grant.installation = context.installation
        grant.token_family = uuid.uuid4()
        grant.save(update_fields=["installation", "token_family"])
        return grant

    # --- token: authorization code ----------------------------------------------------------

    def _grant(self, code: str, request: Any) -> Any:
        """The client's grant for the code ``code`` (by its digest), or ``None``."""
        grant = getattr(request, "marketplace_grant", None)
        digest = code_digest(code)
        if grant is not None and grant.code == digest:
            return grant
        return Grant.objects.filter(code=digest, application=request.client).first()

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        grant = (
            Grant.objects.select_related("installation", "user")
            .filter(code=code_digest(code), application=client)
            .first()
        )
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
            or installation.status != InstallationStatus.ACTIVE
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

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        digest = code_digest(code)
        consumed = Grant.objects.filter(
            code=digest, application=request.client, consumed_at__isnull=True
        ).update(consumed_at=timezone.now())
        if not consumed:
            # Lost a race with another exchange of the same code: both sets of tokens go.
            grant = Grant.objects.filter(code=digest, application=request.client).first()
            if grant is not None:
                RefreshToken.revoke_family(grant.token_family)
            raise GrantRefused(request=request)

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

    def _check_and_set_request_resource(self, request: Any) -> None:
        # DOT finds the grant of an authorization-code request by ``request.code``; the
        # table holds the code's digest.
        raw = request.code
        if request.grant_type == "authorization_code" and raw:
            request.code = code_digest(raw)
        try:
            super()._check_and_set_request_resource(request)
        finally:
            request.code = raw

    # --- token: issuing ---------------------------------------------------------------------

    def _save_bearer_token(
        self, token: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # Runs inside DOT's transaction. Two refreshes of one token at once both pass
        # validation; the first to lock the row rotates it, the other must not fall into
        # DOT's grace-period path (which hands back the winner's access token by its
        # plaintext, empty under hashed storage, and ends in a 500): it is refused.
        previous = getattr(request, "refresh_token_instance", None)
        if request.grant_type == "refresh_token" and previous is not None:
            live = (
                RefreshToken.objects.select_for_update()
                .filter(pk=previous.pk, revoked__isnull=True)
                .exists()
            )
            if not live:
                raise GrantRefused(
                    description="The refresh token was already used.", request=request
                )
        return super()._save_bearer_token(token, request, *args, **kwargs)

    def _installation_of(self, request: Any, source_refresh_token: Any) -> Any:
        grant = getattr(request, "marketplace_grant", None)
        if grant is not None:
            return grant.installation
        # On rotation DOT clears ``request.refresh_token_instance`` before issuing, and
        # hands the previous refresh token in as the new access token's source.
        previous = source_refresh_token or getattr(request, "refresh_token_instance", None)
        return previous.installation if previous is not None else None

    def _create_access_token(
        self,
        expires: datetime,
        request: Any,
        token: dict[str, Any],
        source_refresh_token: Any = None,
    ) -> Any:
        installation = self._installation_of(request, source_refresh_token)
        membership = (
            Membership.objects.filter(user=request.user, account_id=installation.account_id).first()
            if installation is not None
            else None
        )
        access_token = AccessToken(
            user=request.user,
            scope=token["scope"],
            expires=expires,
            application=request.client,
            source_refresh_token=source_refresh_token,
            resource=getattr(request, "resource", []),
            installation=installation,
            membership=membership,
        )
        self._set_token_value(access_token, token["access_token"])
        access_token.save()
        return access_token

    def _create_refresh_token(
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
            installation=access_token.installation,
        )
        self._set_token_value(refresh_token, refresh_token_code)
        refresh_token.save()
        return refresh_token

    # --- token: refresh ---------------------------------------------------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        # The same rule as every API request: uninstalled, deactivated account or user,
        # gone from the account or without access to the app: refused.
        facts = refresh_token_facts_get(refresh_token_id=request.refresh_token_instance.pk)
        return facts is not None and token_refusal(facts, now=timezone.now()) is None

    def get_original_scopes(
        self, refresh_token: str, request: Any, *args: Any, **kwargs: Any
    ) -> Any:
        # oauthlib never re-validates scopes on refresh: cut them to the current grant.
        original = super().get_original_scopes(refresh_token, request, *args, **kwargs)
        if isinstance(original, str):
            original = original.split()
        installation = request.refresh_token_instance.installation
        return narrowed_scopes(list(original), list(installation.granted_scopes))

    # --- resource requests ------------------------------------------------------------------

    def _load_access_token(self, token: str) -> Any:
        # DOT's own bearer validation (unused by the API, whose authentication is
        # apps.api.app_api) refuses what the API refuses.
        facts = access_token_get_by_checksum(checksum=token_checksum(token))
        if facts is None or token_refusal(facts, now=timezone.now()) is not None:
            return None
        return AccessToken.objects.select_related("application", "user").get(pk=facts.pk)
