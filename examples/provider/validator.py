"""oauthlib's request validator for the example provider: authorization code with PKCE
(S256 required), refresh tokens that rotate, confidential clients (basic or post)."""

from __future__ import annotations

import time
from typing import Any

from oauthlib.common import Request
from oauthlib.oauth2 import RequestValidator

from examples.provider.store import Code, Store, Token

CODE_SECONDS = 600


class Validator(RequestValidator):
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- clients --------------------------------------------------------------------

    def client_authentication_required(self, request: Request, *args: Any, **kw: Any) -> bool:
        return True

    def authenticate_client(self, request: Request, *args: Any, **kw: Any) -> bool:
        client_id, secret = request.client_id, request.client_secret
        if request.headers.get("Authorization", "").startswith("Basic "):
            import base64

            raw = base64.b64decode(request.headers["Authorization"][6:]).decode()
            client_id, _, secret = raw.partition(":")
            from urllib.parse import unquote

            client_id, secret = unquote(client_id), unquote(secret)
        client = self.store.clients.get(client_id or "")
        if client is None or client.client_secret != secret:
            return False
        request.client = client
        request.client_id = client_id
        return True

    def validate_client_id(self, client_id: str, request: Request, *args: Any, **kw: Any) -> bool:
        return client_id in self.store.clients

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kw: Any
    ) -> bool:
        return redirect_uri in self.store.clients[client_id].redirect_uris

    def get_default_redirect_uri(self, client_id: str, request: Request, *a: Any, **k: Any) -> str:
        return self.store.clients[client_id].redirect_uris[0]

    def validate_response_type(self, client_id, response_type, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        return response_type == "code"

    def validate_grant_type(self, client_id, grant_type, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        return grant_type in ("authorization_code", "refresh_token")

    def validate_scopes(self, client_id, scopes, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        return set(scopes) <= set(self.store.clients[client_id].scopes)

    def get_default_scopes(self, client_id: str, request: Request, *a: Any, **k: Any) -> list[str]:
        return list(self.store.clients[client_id].scopes)

    # --- codes (PKCE) ----------------------------------------------------------------

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        return True

    def save_authorization_code(self, client_id, code, request, *a, **k) -> None:  # type: ignore[no-untyped-def]
        with self.store.lock:
            self.store.codes[code["code"]] = Code(
                client_id=client_id,
                redirect_uri=request.redirect_uri,
                scopes=list(request.scopes),
                challenge=request.code_challenge,
                challenge_method=request.code_challenge_method,
                expires=time.time() + CODE_SECONDS,
            )

    def _code(self, code: str) -> Code | None:
        found = self.store.codes.get(code)
        return found if found is not None and found.expires > time.time() else None

    def validate_code(self, client_id, code, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        found = self._code(code)
        if found is None or found.client_id != client_id:
            return False
        request.scopes = found.scopes
        request.user = found.user
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        found = self._code(code)
        return found.challenge if found else None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        found = self._code(code)
        return found.challenge_method if found else None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        found = self._code(code)
        return found is not None and found.redirect_uri == redirect_uri

    def invalidate_authorization_code(self, client_id, code, request, *a, **k) -> None:  # type: ignore[no-untyped-def]
        with self.store.lock:
            self.store.codes.pop(code, None)

    # --- tokens ----------------------------------------------------------------------

    def save_bearer_token(self, token, request, *a, **k) -> None:  # type: ignore[no-untyped-def]
        with self.store.lock:
            self.store.tokens.append(
                Token(
                    client_id=request.client_id,
                    scopes=list(request.scopes),
                    access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    expires=time.time() + token["expires_in"],
                )
            )

    def validate_bearer_token(self, token, scopes, request) -> bool:  # type: ignore[no-untyped-def]
        found = self.store.access(token or "")
        if found is None or not set(scopes) <= set(found.scopes):
            return False
        request.user = found.user
        request.scopes = found.scopes
        return True

    def validate_refresh_token(self, refresh_token, client, request, *a, **k) -> bool:  # type: ignore[no-untyped-def]
        found = self.store.refresh(refresh_token)
        if found is None or found.client_id != client.client_id:
            return False
        request.user = found.user
        request._refreshed = found
        return True

    def get_original_scopes(self, refresh_token, request, *a, **k) -> list[str]:  # type: ignore[no-untyped-def]
        found = self.store.refresh(refresh_token)
        return found.scopes if found else []

    def rotate_refresh_token(self, request: Request) -> bool:
        old = getattr(request, "_refreshed", None)
        if old is not None:
            old.revoked = True
        return True

    def revoke_token(self, token, token_type_hint, request, *a, **k) -> None:  # type: ignore[no-untyped-def]
        self.store.revoke(token)
