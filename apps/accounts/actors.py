"""Who acts: the one value every rule, selector and service asks about the acting party.

An ``Actor`` is resolved once per request (``apps.accounts.middleware`` for the console,
``apps.accounts.api.context.request_actor`` for the REST API) and passed down as
``actor=``. It is one of:

- a signed-in **user**, with the membership of the account they act in (or none);
- an account **API key**: the key's account, no user, no membership;
- an **app token**: the token's user and membership, and the installation it acts in;
- the **platform** itself (a command, a job): a label only.

Policies read its fields and flags; they never load anything through it except the
moderator permission and the member's groups, each computed at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from apps.accounts.models import Account, ApiKey, Membership, User


@dataclass(frozen=True, eq=False)
class Actor:
    """The acting party of one request or one command.

    ``label`` is how history rows name it (the user's e-mail address, ``API key
    mpk_abc…``, or what a command calls itself). ``installation`` is set only for an
    app token: the installation the token was issued for.
    """

    user: User | None = None
    account: Account | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None
    installation: Any = None
    label: str = ""

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def account_id(self) -> int | None:
        return self.account.pk if self.account is not None else None

    @property
    def via_api_key(self) -> bool:
        return self.api_key is not None

    @property
    def via_app_token(self) -> bool:
        return self.installation is not None

    @property
    def is_authenticated(self) -> bool:
        return self.via_api_key or (self.user is not None and self.user.is_authenticated)

    @property
    def is_admin(self) -> bool:
        """An admin of the acting account (an API key is not one: rules that let keys act
        as admins say so themselves)."""
        return self.membership is not None and self.membership.is_admin

    @property
    def is_developer(self) -> bool:
        return self.membership is not None and self.membership.is_developer

    @property
    def is_staff(self) -> bool:
        return bool(self.user is not None and self.user.is_active and self.user.is_staff)

    @cached_property
    def is_moderator(self) -> bool:
        from apps.accounts.selectors import user_is_moderator

        return self.user is not None and user_is_moderator(user=self.user)

    @cached_property
    def rights(self) -> dict[str, str]:
        """The member's level on every module (admins: full everywhere); empty without a
        membership."""
        from apps.accounts.policies import effective_rights

        m = self.membership
        if m is None:
            return {}
        return effective_rights(rights=m.role.rights if m.role else None, is_admin=m.is_admin)

    @cached_property
    def group_ids(self) -> frozenset[int]:
        """The member's groups in the acting account, loaded once."""
        if self.membership is None or self.membership.pk is None:
            return frozenset()
        return frozenset(self.membership.groups.values_list("pk", flat=True))

    def __str__(self) -> str:
        return self.label


ANONYMOUS = Actor(label="anonymous")


def actor_for_user(*, user: User, membership: Membership | None = None) -> Actor:
    """A signed-in user acting in ``membership``'s account (or in none)."""
    return Actor(
        user=user,
        account=membership.account if membership is not None else None,
        membership=membership,
        label=user.email,
    )


def actor_for_api_key(*, api_key: ApiKey) -> Actor:
    """An account API key: it acts for its own account, as no user."""
    return Actor(
        account=api_key.account, api_key=api_key, label=f"API key {api_key.display_prefix}"
    )


def actor_for_app_token(
    *, user: User, account: Account, membership: Membership | None, installation: Any
) -> Actor:
    """An app acting with a token on behalf of ``user`` (as ``membership``) in
    ``installation`` of ``account``."""
    return Actor(
        user=user,
        account=account,
        membership=membership,
        installation=installation,
        label=user.email,
    )


def actor_system(*, label: str, user: User | None = None) -> Actor:
    """The platform acting on its own (a command, a job, a test's setup), recorded in
    history as ``label``; ``user`` when a person is known to have started it."""
    return Actor(user=user, label=label)
