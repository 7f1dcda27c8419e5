"""Rate limits: per client address for anonymous calls, per key or user otherwise."""

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.principals import ApiKeyPrincipal


class AnonymousThrottle(SimpleRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PrincipalThrottle(SimpleRateThrottle):
    scope = "principal"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if not user or not user.is_authenticated:
            return None
        ident = f"key-{user.api_key.pk}" if isinstance(user, ApiKeyPrincipal) else f"user-{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
