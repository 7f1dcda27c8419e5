"""Resolves who acts in a console request, once: ``request.actor``."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.accounts.actors import ANONYMOUS, Actor, actor_for_user
from apps.accounts.models import Membership
from apps.accounts.selectors import membership_default_for_user, membership_list_for_user

SESSION_KEY = "current_account_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the account chosen in the switcher, else the user's first one.

    ``None`` for anonymous users and users without an account. One query, with the
    account and role loaded.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    account_id = request.session.get(SESSION_KEY)
    if account_id is not None:
        membership = membership_list_for_user(user=user).filter(account_id=account_id).first()
        if membership is not None:
            return membership
        request.session.pop(SESSION_KEY, None)
    return membership_default_for_user(user=user)


def console_actor(request: HttpRequest) -> Actor:
    """The signed-in user in the current account (``ANONYMOUS`` when signed out)."""
    user = request.user
    if not user.is_authenticated:
        return ANONYMOUS
    return actor_for_user(user=user, membership=current_membership(request))  # type: ignore[arg-type]


class CurrentAccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Computed up front: every console page shows the account switcher anyway.
        request.actor = console_actor(request)  # type: ignore[attr-defined]
        return self.get_response(request)
