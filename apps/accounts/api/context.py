"""Who a REST API request acts as: its ``Actor``, resolved once after authentication."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.accounts.actors import ANONYMOUS, Actor, actor_for_api_key, actor_for_user
from apps.accounts.models import ApiKey
from apps.accounts.selectors import membership_get
from apps.core.errors import NotFound

ACCOUNT_HEADER = "X-Account"

_CACHE = "_marketplace_actor"


def request_actor(request: Request) -> Actor:
    """Who acts, computed on the first call and kept on the request.

    An API key acts for its own account (read from the key, DRF's ``request.auth``: the
    ``ApiKeyPrincipal`` in ``request.user`` carries nothing to read). A credential that
    says who it acts as (an app token's ``actor()``) is taken at its word. A signed-in
    user acts for the account named in the ``X-Account`` header (its domain), else the
    one chosen in the console. Anonymous requests get ``ANONYMOUS``.

    Raises ``NotFound`` when the user is not a member of the named account.
    """
    cached: Actor | None = getattr(request, _CACHE, None)
    if cached is None:
        cached = _resolve(request)
        setattr(request, _CACHE, cached)
    return cached


def _resolve(request: Request) -> Actor:
    auth: Any = request.auth
    if isinstance(auth, ApiKey):
        return actor_for_api_key(api_key=auth)
    from_credential = getattr(auth, "actor", None)
    if callable(from_credential):
        actor: Actor = from_credential()
        return actor
    user: Any = request.user
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    slug = request.headers.get(ACCOUNT_HEADER)
    if slug:
        membership = membership_get(user=user, account_slug=slug.strip().lower())
        return actor_for_user(user=user, membership=membership)
    console: Actor | None = getattr(request._request, "actor", None)
    if console is not None and console.user_id == user.pk:
        return console
    return actor_for_user(user=user)


def account_actor(request: Request) -> Actor:
    """``request_actor``, for endpoints that act in an account: ``NotFound`` when the
    caller acts in none."""
    actor = request_actor(request)
    if actor.account is None:
        raise NotFound("You are not a member of any account. Ask an account admin to invite you.")
    return actor
