"""Which account an API request acts for, and with what rights."""

from dataclasses import dataclass

from rest_framework.request import Request

from apps.accounts.models import Account, Membership
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.selectors import membership_get
from apps.core.errors import NotFound, PermissionDenied

ACCOUNT_HEADER = "X-Account"


@dataclass(frozen=True)
class ActingContext:
    account: Account
    membership: Membership | None
    api_key_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.is_admin

    @property
    def via_api_key(self) -> bool:
        return self.api_key_id is not None


def acting_context(request: Request) -> ActingContext:
    """An API key acts for its own account. A signed-in user acts for the account named
    in the ``X-Account`` header (its domain), else the one chosen in the console.

    Raises ``NotFound`` when the user is not a member of the named account.
    """
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return ActingContext(account=user.account, membership=None, api_key_id=user.api_key.pk)
    slug = request.headers.get(ACCOUNT_HEADER)
    if slug:
        membership = membership_get(user=user, account_slug=slug.strip().lower())
    else:
        membership = getattr(request._request, "membership", None)
        if membership is None:
            raise NotFound(
                "You are not a member of any account. Ask an account admin to invite you."
            )
    return ActingContext(account=membership.account, membership=membership, api_key_id=None)


def require_admin(context: ActingContext, *, allow_api_key: bool) -> None:
    """Account admins pass; API keys pass when ``allow_api_key``; others get 403."""
    if context.via_api_key:
        if not allow_api_key:
            raise PermissionDenied(
                "API keys cannot do this. Sign in to the console as an account admin."
            )
        return
    if not context.is_admin:
        raise PermissionDenied("Only an admin of this account can do this.")
