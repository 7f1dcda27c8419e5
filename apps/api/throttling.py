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


class ScopedPrincipalThrottle(PrincipalThrottle):
    """A tighter, separate limit for views that name a ``throttle_scope`` (e.g. the
    manifest dry run, which costs more CPU than a lookup), counted per key or user like
    ``PrincipalThrottle``. Views without a scope are not limited by it."""

    scope_attr = "throttle_scope"

    def __init__(self) -> None:
        # The rate depends on the view; it is read in allow_request.
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = getattr(view, self.scope_attr, None)
        if not scope:
            return True
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
