"""What an authorization request is about, resolved before oauthlib validates it.

The authorize endpoint resolves the account, the app's installation there (or the
version being installed) and the mode, then runs oauthlib inside ``authorization_context``
so the validator checks redirect URIs and scopes against that installation's manifest and
grant, and binds the authorization code to the installation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.accounts.models import Account, Membership
    from apps.catalog.models import App, AppVersion, InstallLink
    from apps.installations.models import Installation


class Mode(StrEnum):
    INSTALL = "install"  # not installed on the account yet: consent installs it
    UPDATE = "update"  # installed at another version: consent moves it
    AUTHORIZE = "authorize"  # installed: the user gets tokens for it


@dataclass(frozen=True)
class AuthorizationContext:
    mode: Mode
    account: Account
    membership: Membership
    app: App
    version: AppVersion  # the version to install or update to, or the installed one
    installation: Installation | None
    install_link: InstallLink | None
    authorization: str  # "account" or "user", from the version's manifest
    redirect_uris: tuple[str, ...]
    available_scopes: tuple[str, ...]  # what tokens may ask: effective scopes
    approved_scopes: tuple[str, ...] | None  # what was consented before, if anything

    def with_installation(self, installation: Installation) -> AuthorizationContext:
        return replace(self, installation=installation)


_current: ContextVar[AuthorizationContext | None] = ContextVar("authorization", default=None)


def current_context() -> AuthorizationContext | None:
    return _current.get()


@contextmanager
def authorization_context(context: AuthorizationContext) -> Iterator[AuthorizationContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
