"""The OAuth validator: DOT's, bound to installations.

- Authorize: redirect URIs are matched exactly against the manifest of the version in
  play, and scopes must lie within what the installation grants (or what the version being
  installed asks); the code carries the installation.
- Token: the code exchange and the refresh grant (``apps.oauth.grants``): a code is
  consumed once; a replay revokes every token issued from it. Tokens carry the
  installation and the member's membership; their refresh is refused by the same rule as
  an API request, and narrowed to the installation's current grant.
- Resource and refresh: whether a token may act is ``apps.oauth.policies.token_refusal``
  on the token as ``apps.oauth.selectors`` loads it (one query).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from oauthlib.oauth2.rfc6749 import errors

from apps.installations.policies import scopes_within
from apps.oauth.context import current_context
from apps.oauth.grants import TokenGrants
from apps.oauth.models import code_digest
from apps.oauth.policies import token_refusal
from apps.oauth.selectors import access_token_get_by_checksum, token_checksum
from apps.scopes.policies import UnknownScope, parse_scope

AccessToken = get_access_token_model()
Application = get_application_model()


def _known(scopes: list[str]) -> bool:
    try:
        for scope in scopes:
            parse_scope(scope)
    except (UnknownScope, ValueError):
        return False
    return True


class PlatformValidator(TokenGrants):
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

    # --- resource requests ------------------------------------------------------------------

    def _load_access_token(self, token: str) -> Any:
        # DOT's own bearer validation (unused by the API, whose authentication is
        # apps.api.app_api) refuses what the API refuses.
        facts = access_token_get_by_checksum(checksum=token_checksum(token))
        if facts is None or token_refusal(facts, now=timezone.now()) is not None:
            return None
        return AccessToken.objects.select_related("application", "user").get(pk=facts.pk)
