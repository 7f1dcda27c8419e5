"""Rate limits: per client address for anonymous calls, per key or user otherwise, per
access token for apps (counted before the token is looked up, in
``apps.api.app_api.AppTokenAuthentication``).

Every count is atomic in the shared cache (``apps.core.ratelimit``): exactly the limit
gets through however many web processes serve a client at once.
"""

from typing import Any

from rest_framework.request import Request

from apps.accounts.models import ApiKey
from apps.core.ratelimit import SharedRateThrottle
from apps.oauth.policies import AppToken


def is_app_token(auth: Any) -> bool:
    return isinstance(auth, AppToken)


def _principal_ident(request: Request) -> str | None:
    """Who an authenticated request counts as: its API key, its access token (both read
    from ``request.auth``, the credential), or its user (a console session); ``None``
    when anonymous."""
    user = request.user
    if not user or not user.is_authenticated:
        return None
    if isinstance(request.auth, ApiKey):
        return f"key-{request.auth.pk}"
    if is_app_token(request.auth):
        return f"app-token-{request.auth.pk}"
    return f"user-{user.pk}"


class AnonymousThrottle(SharedRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PrincipalThrottle(SharedRateThrottle):
    """The general limit per API key or user. An app token's requests are counted against
    the same rate by its authentication, before the token's lookup, and not again here."""

    scope = "principal"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if is_app_token(request.auth):
            return None
        ident = _principal_ident(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScopedPrincipalThrottle(SharedRateThrottle):
    """A tighter, separate limit for views that name a ``throttle_scope`` (e.g. the
    manifest dry run, which costs more CPU than a lookup), counted per key, token or user
    like ``PrincipalThrottle``. Views without a scope are not limited by it."""

    scope_attr = "throttle_scope"

    def __init__(self) -> None:
        # The rate depends on the view; it is read in allow_request.
        pass

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        ident = _principal_ident(request)
        if ident is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = getattr(view, self.scope_attr, None)
        if not scope:
            return True
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
