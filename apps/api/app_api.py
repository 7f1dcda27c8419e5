"""An app's API request, from its bearer token to the permission decision.

1. ``AppTokenAuthentication`` counts the request against the token's rate limit, keyed by
   a keyed hash of the raw token, so a throttled client costs no query; loads the token
   by its checksum in one query (``apps.oauth.selectors``); and refuses (401
   ``invalid_token``) what ``apps.oauth.policies.token_refusal`` refuses.
2. ``InstallationScope`` checks the view's need against the token's scopes, the
   installation's current grant (``apps.scopes.policies``) and the user's own module
   rights (``apps.accounts.policies``): 403 naming what was missing.
3. ``AppApi`` is the base of every endpoint apps call with a token.

Each step calls only downwards; nothing calls back. The decisions on scopes depend only
on the scope strings and the view's need, so they are kept per process instead of being
worked out again on every request.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts.models import AccessLevel
from apps.accounts.policies import effective_rights, rights_allow
from apps.core.crypto import keyed_digest
from apps.core.errors import PermissionDenied
from apps.core.ratelimit import BUCKETS, SharedRateThrottle
from apps.oauth.errors import InvalidToken, OAuthError
from apps.oauth.policies import AppToken, token_refusal
from apps.oauth.selectors import access_token_get_by_checksum, token_checksum
from apps.scopes.catalog import Catalog, Level, get_catalog
from apps.scopes.policies import scopes_allow, scopes_needed_for

# INCRBY that gives a new key its lifetime, in one round trip: Django's Redis cache
# answers ``incr`` with EXISTS then INCRBY (and a missing key costs a SET NX more).
_REDIS_COUNT = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
"""


class _TokenCounts:
    """The shared cache as the app-token limit counts in it.

    ``rate_limit_count`` increments the slice of the moment and reads the window's
    earlier slices. Nobody counts in a slice once it has passed (every web process counts
    in the slice of its own moment), so what was read of them stays true: each process
    reads them once per slice and token (``_past``) instead of on every request. On Redis
    the increment is one round trip that also gives a new slice its lifetime. The count
    itself stays the cache's atomic increment: across processes exactly the limit gets
    through, as long as the web servers' clocks agree (a server whose clock lags a slice
    behind could still count in a slice the others have read) and but for a request still
    counting at the very turn of a slice when another process first reads it.
    """

    _past: dict[tuple[str, ...], dict[str, Any]] = {}
    _past_max = 10_000
    _script: Any = None

    def __init__(self, *, timeout: int) -> None:
        self.timeout = timeout

    def incr(self, key: str, delta: int = 1) -> int:
        cache = caches[DEFAULT_CACHE_ALIAS]
        if not isinstance(cache, RedisCache):
            return int(cache.incr(key, delta))
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        if _TokenCounts._script is None:
            _TokenCounts._script = client.register_script(_REDIS_COUNT)
        return int(_TokenCounts._script(keys=[full_key], args=[delta, self.timeout], client=client))

    def add(self, key: str, value: Any, timeout: Any = None) -> bool:
        return bool(caches[DEFAULT_CACHE_ALIAS].add(key, value, timeout))

    def decr(self, key: str, delta: int = 1) -> int:
        return int(caches[DEFAULT_CACHE_ALIAS].decr(key, delta))

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        past = tuple(keys)
        counts = self._past.get(past)
        if counts is None:
            if len(self._past) >= self._past_max:
                _TokenCounts._past = {}
            counts = _TokenCounts._past[past] = caches[DEFAULT_CACHE_ALIAS].get_many(keys)
        return counts


class AppTokenThrottle(SharedRateThrottle):
    """The general API limit (scope ``principal``) of one access token, counted from the
    raw token before it is looked up.

    The client is a keyed hash of the raw value (the cache never holds anything that
    could be used or matched against the token table). Each distinct value has a budget
    of its own: requests with an unknown or mistyped token never use up a valid token's,
    and a client over its limit is refused without a database query.
    """

    scope = "principal"

    def allow_token(self, raw: str) -> bool:
        if self.rate is None:
            return True
        # As long as rate_limit_count keeps a slice: a period and a slice, and a second.
        self.cache = _TokenCounts(timeout=math.ceil(self.duration * (1 + 1 / BUCKETS)) + 1)
        # 128 bits of the keyed hash tell tokens apart; a shorter cache key is cheaper to
        # check on each of the window's slices.
        return self.allow_ident(f"token-{keyed_digest(raw)[:32]}")


class AppTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <access token>`` issued by the authorization server.

    API keys (``mpk_...``) are left to their own authenticator. The request is counted
    against the token's rate limit first (429 ``throttled`` with ``Retry-After`` over it),
    then the token is looked up. ``request.user`` is the token's user, ``request.auth``
    the token (``apps.oauth.policies.AppToken``).
    """

    def authenticate(self, request: Request) -> tuple[Any, AppToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, value = header.partition(" ")
        value = value.strip()
        if keyword.lower() != "bearer" or not value or value.startswith("mpk_"):
            return None
        throttle = AppTokenThrottle()
        if not throttle.allow_token(value):
            raise exceptions.Throttled(wait=throttle.wait())
        token = access_token_get_by_checksum(checksum=token_checksum(value))
        if token is None:
            raise InvalidToken(
                "The access token is unknown or was revoked. Send the user through the "
                "authorization again."
            )
        refusal = token_refusal(token, now=timezone.now())
        if refusal:
            raise InvalidToken(refusal)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="api", error="{OAuthError.INVALID_TOKEN}"'


# --- scopes and rights --------------------------------------------------------------------

_DECISIONS_MAX = 4096
# A view's ``required_level`` as a ``Level``, by its value: a dictionary look-up instead of
# the enum's call on every request.
_LEVELS: dict[str, Level] = {level.value: level for level in Level}


class _ScopeDecisions:
    """``scopes_allow`` and ``scopes_needed_for`` answers of the catalog in force, by
    their arguments; forgotten when the catalog changes (tests, settings)."""

    catalog: Catalog | None = None
    allowed: dict[tuple[Any, ...], bool] = {}
    needed: dict[tuple[Any, ...], list[str]] = {}

    @classmethod
    def _current(cls) -> Catalog:
        catalog = get_catalog()
        if catalog is not cls.catalog or len(cls.allowed) > _DECISIONS_MAX:
            cls.catalog, cls.allowed, cls.needed = catalog, {}, {}
        return catalog

    @classmethod
    def allow(cls, scopes: tuple[str, ...], *, model: str, level: Level, self_only: bool) -> bool:
        catalog = cls._current()
        key = (scopes, model, level, self_only)
        answer = cls.allowed.get(key)
        if answer is None:
            answer = cls.allowed[key] = scopes_allow(
                scopes, model=model, level=level, current_user_only=self_only, catalog=catalog
            )
        return answer

    @classmethod
    def need(cls, *, model: str, level: Level, self_only: bool) -> list[str]:
        catalog = cls._current()
        key = (model, level, self_only)
        if key not in cls.needed:
            needed = list(scopes_needed_for(model=model, level=level, catalog=catalog))
            if self_only:
                needed += [
                    f"{s.code}:{level}" for s in catalog.scopes_covering(model) if s.self_only
                ]
            cls.needed[key] = needed
        return cls.needed[key]


class InstallationScope(permissions.BasePermission):
    """The view declares ``required_model`` and ``required_level`` (``read``/``full``),
    and ``self_only = True`` when it touches only the token user's own record (then a
    self-only scope such as ``user.me`` suffices and no module right is needed).

    Allowed when the token's scopes, the installation's granted scopes and the user's
    own rights all allow it. A 403 names the scope or right that was missing.
    """

    checks_scopes = True  # the OpenAPI schema lists the view's scopes (``scopes_required``)

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, AppToken) or token.installation is None:
            return False
        model: str = view.required_model
        required = getattr(view, "required_level", Level.READ)
        level = _LEVELS.get(required) or Level(required)
        self_only: bool = getattr(view, "self_only", False)
        if not _ScopeDecisions.allow(token.scopes, model=model, level=level, self_only=self_only):
            needed = _ScopeDecisions.need(model=model, level=level, self_only=self_only)
            raise PermissionDenied(
                f"The access token lacks a scope for {level} access to {model}: it needs one "
                f"of {', '.join(needed)}.",
                code=OAuthError.INSUFFICIENT_SCOPE,
                fields={"scope": needed},
            )
        granted = token.installation.granted_scopes
        if not _ScopeDecisions.allow(granted, model=model, level=level, self_only=self_only):
            needed = _ScopeDecisions.need(model=model, level=level, self_only=self_only)
            raise PermissionDenied(
                f"The installation no longer grants {level} access to {model} (one of "
                f"{', '.join(needed)}); an admin must update or re-approve the app.",
                code=OAuthError.INSUFFICIENT_SCOPE,
                fields={"scope": needed},
            )
        if self_only:
            return True
        return _rights_allow(token, model=model, level=level)


def scopes_required(view: Any) -> list[str] | None:
    """The scopes, any one of which lets an app token call ``view`` with its request's
    method, as ``InstallationScope`` decides (read for safe methods, full for writes,
    from the view's ``required_model``); ``None`` when no permission of the view checks
    scopes (any token of the installation will do). For the OpenAPI schema."""
    if not any(
        getattr(permission, "checks_scopes", False) for permission in view.get_permissions()
    ):
        return None
    return _ScopeDecisions.need(
        model=view.required_model,
        level=Level(view.required_level),
        self_only=getattr(view, "self_only", False),
    )


def _rights_allow(token: AppToken, *, model: str, level: Level) -> bool:
    """The token user's own module right allows ``level`` on ``model``, or a 403 naming
    the right."""
    module = get_catalog().module_of_model(model) or model.split(".")[0]
    membership = token.membership
    assert membership is not None  # token_refusal refuses a token without one
    rights = effective_rights(
        rights=membership.role.rights if membership.role is not None else None,
        is_admin=membership.is_admin,
    )
    required = AccessLevel.FULL if level is Level.FULL else AccessLevel.READ
    if not rights_allow(rights=rights, module=module, level=required):
        raise PermissionDenied(
            f"{token.user.email} has no {level} right on the {module} module in this "
            "account; the app acts with the user's own rights.",
            code=OAuthError.INSUFFICIENT_RIGHTS,
            fields={"right": [f"{module}:{level}"]},
        )
    return True


class AppApi(APIView):
    """Base of endpoints apps call with an access token: OAuth tokens only, never a
    console session or an API key, checked by ``InstallationScope``.

    No throttle classes: the token's own limit is counted by its authentication, before
    the lookup; the API's other limits never apply to an app token (and a request that
    is not one is refused by the permission before throttles would run).
    """

    authentication_classes = [AppTokenAuthentication]
    permission_classes = [InstallationScope]
    throttle_classes: list[Any] = []
    required_model = "users.user"
    required_level = "read"
    self_only = False
