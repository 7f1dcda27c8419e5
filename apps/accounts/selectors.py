"""Reads for tenancy. Every selector that serves a request is scoped to the acting user."""

from django.db.models import Count, QuerySet

from apps.accounts.actors import Actor
from apps.accounts.models import (
    Account,
    AccountEvent,
    ApiKey,
    Group,
    Invitation,
    Membership,
    Role,
    User,
)
from apps.accounts.policies import actor_admin_refusal
from apps.core.errors import NotFound, PermissionDenied


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    """The user's active memberships in active accounts, with account and role in the same
    query (a deactivated member cannot work in the account)."""
    return (
        Membership.objects.filter(user=user, is_active=True, account__is_active=True)
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
    return group_list_for_account(account=account).annotate(member_count=Count("memberships"))


# --- what any member of an account reads ------------------------------------------------


def member_profile_get_for(*, actor: Actor, user_id: int) -> Membership:
    """A member's profile as the account's people see it (the product's people
    directory): the membership of user ``user_id`` in ``actor``'s current account, with
    user, role and groups, whoever among its members asks, active or deactivated.
    ``PermissionDenied`` for a user without a current account (platform people);
    ``NotFound`` for anyone who is not a member of that account (outsiders learn
    nothing)."""
    if actor.membership is None or actor.account is None:
        raise PermissionDenied("You do not belong to any account yet.")
    membership = (
        member_list_for_account(account=actor.account)
        .filter(user_id=user_id)
        .select_related("account")
        .first()
        if 0 < user_id < 2**63
        else None
    )
    if membership is None:
        raise NotFound("No such member in this account.")
    return membership


# --- what an account's admins (and its API keys) read -------------------------------------


def _administered(actor: Actor) -> Account:
    """The account ``actor`` administers (admins and API keys); ``NotFound`` without an
    account, ``PermissionDenied`` for anyone else."""
    if actor.account is None:
        raise NotFound("No current account.")
    refusal = actor_admin_refusal(actor, api_keys=True)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return actor.account


def member_list_for(*, actor: Actor) -> QuerySet[Membership]:
    """The members of the account ``actor`` administers, with user, role and groups."""
    return member_list_for_account(account=_administered(actor)).order_by("user__email")


def member_get_for(*, actor: Actor, user_id: int) -> Membership:
    """The membership of user ``user_id`` in the account ``actor`` administers;
    ``NotFound`` for a user who is not a member there."""
    membership = member_list_for(actor=actor).filter(user_id=user_id).first()
    if membership is None:
        raise NotFound("No such member in this account.")
    return membership


def invitation_list_for(*, actor: Actor) -> QuerySet[Invitation]:
    """The account's invitations, newest first, with role and groups."""
    return (
        Invitation.objects.filter(account=_administered(actor))
        .select_related("role", "account")
        .prefetch_related("groups")
    )


def invitation_get_for(*, actor: Actor, invitation_id: int) -> Invitation:
    invitation = invitation_list_for(actor=actor).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("No such invitation in this account.")
    return invitation


def role_list_for(*, actor: Actor) -> QuerySet[Role]:
    """The account's roles, each with ``member_count``."""
    return (
        role_list_for_account(account=_administered(actor))
        .annotate(member_count=Count("memberships"))
        .order_by("name", "pk")
    )


def role_get_for(*, actor: Actor, role_id: int) -> Role:
    role = role_list_for(actor=actor).filter(pk=role_id).first()
    if role is None:
        raise NotFound("No such role in this account.")
    return role


def group_list_for(*, actor: Actor) -> QuerySet[Group]:
    """The account's groups, each with ``member_count``."""
    return group_list_with_member_count_for_account(account=_administered(actor)).order_by(
        "name", "pk"
    )


def group_get_for(*, actor: Actor, group_id: int) -> Group:
    group = group_list_for(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise NotFound("No such group in this account.")
    return group


def account_event_list_for(*, actor: Actor) -> QuerySet[AccountEvent]:
    """The account's history of people, roles and groups, newest first."""
    return AccountEvent.objects.filter(account=_administered(actor)).select_related("actor")
