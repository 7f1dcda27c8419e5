"""Pure rules of the authorization server: no ORM, no request.

PKCE parameters, and ``token_refusal``: whether an access or refresh token may act now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from apps.accounts.actors import Actor, actor_for_app_token
from apps.accounts.models import Account, Membership, Role
from apps.installations.policies import (
    UNINSTALLED,
    installation_unusable_reason,
    member_refusal,
)

# RFC 7636 §4.2: code_challenge = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." /
# "_" / "~". An S256 challenge, BASE64URL(SHA256(verifier)) without padding, is 43 of them.
_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def pkce_challenge_problem(*, challenge: str | None, method: str | None) -> str | None:
    """Why an authorization request's PKCE parameters are refused (an
    ``error_description``), or ``None`` when they may be used: no challenge at all, or an
    S256 challenge of 43 to 128 unreserved characters.

    Guarantees that no code is issued for a challenge that no verifier could ever match
    (RFC 7636 §4.2, §4.4.1), nor with the ``plain`` method (RFC 9700 §2.1.1).
    """
    if not challenge:
        return None
    if method != "S256":
        # oauthlib reads a challenge without a method as "plain" (RFC 7636 §4.3).
        return f'Unsupported "{method or "plain"}" code_challenge_method; use "S256".'
    if not _CHALLENGE.fullmatch(challenge):
        return (
            "code_challenge must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' "
            "and '~': BASE64URL(SHA256(code_verifier)) without padding."
        )
    return None


# --- whether a token may act ---------------------------------------------------------------

# The token's values are named tuples rather than dataclasses: one is built for every API
# request, and a tuple is made in a fraction of the time.

EXPIRED = "The access token expired. Get a new one with the refresh token."
APP_SUSPENDED = "The app is deactivated or deleted; its tokens no longer work."
USER_DEACTIVATED = "The user of this token is deactivated."


class TokenAccount(NamedTuple):
    pk: int
    slug: str
    language: str
    is_active: bool


class TokenInstallation(NamedTuple):
    pk: int
    status: str
    granted_scopes: tuple[str, ...]
    account: TokenAccount

    @property
    def account_id(self) -> int:
        return self.account.pk


class TokenRole(NamedTuple):
    name: str
    rights: Mapping[str, str]


class TokenMembership(NamedTuple):
    """The token user's (active) membership of the installation's account, with their
    role and whether the installation is for everyone or one of its access rules names
    their role or a group of theirs."""

    pk: int
    account_id: int
    is_admin: bool
    role: TokenRole | None
    admitted_by_rule: bool


class AppToken(NamedTuple):
    """An access or refresh token as the checks of a request see it: what
    ``token_refusal`` decides on and what an app endpoint answers with, loaded in one
    query (``apps.oauth.selectors``).

    ``user`` is the token's ``User`` (with its id, e-mail, name and active flag loaded),
    the request's user once the token is accepted. ``expires`` is ``None`` for a refresh
    token (the token endpoint checks its own lifetime).
    """

    pk: int
    scope: str
    expires: datetime | None
    client_id: str
    app_suspended: bool
    user: Any
    installation: TokenInstallation | None
    membership: TokenMembership | None

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split())

    def actor(self) -> Actor:
        """Who acts with this token (``apps.accounts.api.context.request_actor`` asks):
        its user, in its installation's account, as its membership with its admin flag
        and role rights, built from what the request loaded, without a query. Only for
        an accepted access token (it has an installation)."""
        installation = self.installation
        assert installation is not None
        facts = installation.account
        account = Account(
            pk=facts.pk, slug=facts.slug, language=facts.language, is_active=facts.is_active
        )
        membership = None
        if self.membership is not None:
            role = self.membership.role
            membership = Membership(
                pk=self.membership.pk,
                account=account,
                user=self.user,
                is_admin=self.membership.is_admin,
                role=Role(name=role.name, rights=dict(role.rights), account=account)
                if role is not None
                else None,
            )
        return actor_for_app_token(
            user=self.user, account=account, membership=membership, installation=installation
        )


def token_refusal(token: AppToken, *, now: datetime) -> str | None:
    """Why ``token`` may not act now, or ``None`` when it may: the one rule of API
    requests, introspection and refresh alike.

    Refused, in this order: an access token past its expiry; a token of a suspended
    (deactivated or deleted) app; an installation that is not usable
    (``installations.policies.installation_unusable_reason``: uninstalled, or its account
    deactivated); a missing or deactivated user; a user who is not a member of the
    installation's account any more or whom no access rule lets use the app
    (``installations.policies.member_refusal``). Everything is read from ``token`` as
    loaded with the request, so a revocation takes effect on the very next request.
    """
    if token.expires is not None and token.expires <= now:
        return EXPIRED
    if token.app_suspended:
        return APP_SUSPENDED
    installation = token.installation
    if installation is None:
        return UNINSTALLED
    unusable = installation_unusable_reason(
        status=installation.status, account_is_active=installation.account.is_active
    )
    if unusable:
        return unusable
    if token.user is None or not token.user.is_active:
        return USER_DEACTIVATED
    membership = token.membership
    return member_refusal(
        membership_account_id=membership.account_id if membership is not None else None,
        installation_account_id=installation.account.pk,
        is_admin=membership is not None and membership.is_admin,
        admitted_by_rule=membership is not None and membership.admitted_by_rule,
    )
