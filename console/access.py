"""Who may open a console page: the deny rules every view shares.

- anonymous: redirect to the login page, with ``next``;
- signed in but lacking the right: 403;
- an object outside what the user may see (another account's): 404, so outsiders learn
  nothing about it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.http import url_has_allowed_host_and_scheme

from apps.accounts.actors import ANONYMOUS, Actor
from apps.accounts.models import Account, Membership
from apps.accounts.services import actor_require_admin, actor_require_developer
from apps.core.errors import NotFound, PermissionDenied


@contextmanager
def access_errors() -> Iterator[None]:
    """Turn the domain's ``NotFound`` / ``PermissionDenied`` into HTTP 404 / 403."""
    try:
        yield
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise HttpPermissionDenied(exc.message) from exc


def request_actor(request: HttpRequest) -> Actor:
    """Who acts in this console request, as the middleware resolved it."""
    actor: Actor = getattr(request, "actor", ANONYMOUS)
    return actor


class ActorMixin(LoginRequiredMixin):
    """The acting member of the current account: ``self.actor``, its ``membership`` and
    its ``account``. Subclasses say who may enter in ``check_actor``."""

    actor: Actor

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.actor = request_actor(request)
        with access_errors():
            self.check_actor(self.actor)
        return super().dispatch(request, *args, **kwargs)

    def check_actor(self, actor: Actor) -> None:
        raise NotImplementedError

    @property
    def membership(self) -> Membership:
        assert self.actor.membership is not None
        return self.actor.membership

    @property
    def account(self) -> Account:
        return self.membership.account


class AccountAdminRequiredMixin(ActorMixin):
    """An admin of the current account; every read the view makes goes through a
    selector scoped to that account."""

    def check_actor(self, actor: Actor) -> None:
        actor_require_admin(actor=actor)


class DeveloperRequiredMixin(ActorMixin):
    """A member of the current account with the developer right."""

    def check_actor(self, actor: Actor) -> None:
        actor_require_developer(actor=actor)


class MemberRequiredMixin(ActorMixin):
    """A member of the current account, whatever their rights; signed in without any
    account: 403."""

    def check_actor(self, actor: Actor) -> None:
        if actor.membership is None:
            raise PermissionDenied("You do not belong to any account yet.")


class StaffRequiredMixin(LoginRequiredMixin):
    """Platform staff (``user.is_staff``)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request_actor(request).is_staff:
            raise HttpPermissionDenied("Only platform staff can open this page.")
        return super().dispatch(request, *args, **kwargs)


def safe_next_url(request: HttpRequest, url: str | None) -> str | None:
    """``url`` if it points back into this site, else ``None``."""
    if url and url_has_allowed_host_and_scheme(
        url=url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None
