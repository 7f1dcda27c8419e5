"""Reads for tenancy. Every selector that serves a request is scoped to the acting user."""

from django.db.models import QuerySet

from apps.accounts.models import Account, ApiKey, Group, Membership, Role, User
from apps.core.errors import NotFound


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's memberships in active accounts, with account and role in the same query."""
    return (
        Membership.objects.filter(user=user, account__is_active=True)
        .select_related("account", "role")
        .order_by("account__name")
    )


def membership_get(
    *, user: User, account_id: int | None = None, account_slug: str | None = None
) -> Membership:
    """The user's membership in one account, or ``NotFound`` (outsiders learn nothing)."""
    qs = membership_list_for_user(user=user)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if account_slug is not None:
        qs = qs.filter(account__slug=account_slug)
    membership = qs.first()
    if membership is None:
        raise NotFound("No such account, or you are not a member of it.")
    return membership


def membership_default_for_user(*, user: User) -> Membership | None:
    return membership_list_for_user(user=user).first()


def member_list_for_account(*, account: Account) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(account=account)
        .select_related("user", "role")
        .prefetch_related("groups")
    )


def role_list_for_account(*, account: Account) -> QuerySet[Role]:
    return Role.objects.filter(account=account)


def group_list_for_account(*, account: Account) -> QuerySet[Group]:
    return Group.objects.filter(account=account)


def api_key_list_for_account(*, account: Account, include_revoked: bool = True) -> QuerySet[ApiKey]:
    qs = ApiKey.objects.filter(account=account).select_related("created_by", "revoked_by")
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs


def api_key_get(*, account: Account, key_id: int) -> ApiKey:
    key = api_key_list_for_account(account=account).filter(pk=key_id).first()
    if key is None:
        raise NotFound("No such API key in this account.")
    return key


def user_is_moderator(*, user: User) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm("accounts.moderate_apps"))


def group_list_with_member_count_for_account(*, account: Account) -> QuerySet[Group]:
    """The account's groups, each annotated with ``member_count``, in one query."""
    from django.db.models import Count

    return group_list_for_account(account=account).annotate(member_count=Count("memberships"))
