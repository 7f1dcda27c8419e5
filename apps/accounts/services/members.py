"""An account admin's work on members: role, groups, admin and developer rights,
deactivation and removal. Every change is recorded in the account's history.

An account always keeps at least one active admin: the last one can neither lose the
admin right, nor be deactivated, nor removed (``LastAdmin``), whoever asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor
from apps.accounts.errors import LastAdmin
from apps.accounts.member_changes import MemberChange, members_changed
from apps.accounts.models import Account, AccountEvent, Group, Membership, Role
from apps.accounts.services.common import actor_require_admin
from apps.accounts.services.history import account_event_record
from apps.core.errors import NotFound, ValidationFailed


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# A field left out of a partial update.
UNSET: Any = _Unset()


def account_admin_for(*, actor: Actor, account_id: int | None = None) -> Account:
    """The account ``actor`` administers (an admin member or an API key of it);
    ``NotFound`` when ``account_id`` names another account."""
    account = actor_require_admin(actor=actor, api_keys=True)
    if account_id is not None and account_id != account.pk:
        raise NotFound("No such object in this account.")
    return account


def role_of(account: Account, role_id: Any) -> Role | None:
    """The role ``role_id`` of ``account`` (``None``/empty: no role); ``ValidationFailed``
    naming ``role`` for anything else."""
    if role_id in (None, ""):
        return None
    try:
        pk = int(role_id)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            "Unknown role.", fields={"role": [f"{role_id!r} is not an id."]}
        ) from exc
    role = Role.objects.filter(account=account, pk=pk).first()
    if role is None:
        raise ValidationFailed("Unknown role.", fields={"role": ["No such role in this account."]})
    return role


def groups_of(account: Account, group_ids: Iterable[Any]) -> list[Group]:
    """The groups ``group_ids`` of ``account``; ``ValidationFailed`` naming ``groups``
    and the ids that are not the account's."""
    wanted: set[int] = set()
    for raw in group_ids:
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(
                "Unknown groups.", fields={"groups": [f"{raw!r} is not an id."]}
            ) from exc
    found = list(Group.objects.filter(account=account, pk__in=wanted))
    missing = wanted - {group.pk for group in found}
    if missing:
        raise ValidationFailed(
            "Unknown groups.",
            fields={"groups": [f"No such group in this account: {sorted(missing)}."]},
        )
    return found


def _lock(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "account", "role")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such member in this account.")
    return locked


def _keep_an_admin(membership: Membership, *, then: str) -> None:
    """Refuse (``LastAdmin``) a change that takes away the account's last active admin.
    Locks the account's admin rows, so two admins demoting each other at once cannot
    both succeed."""
    if not (membership.is_admin and membership.is_active):
        return
    admins = list(
        Membership.objects.select_for_update()
        .filter(account_id=membership.account_id, is_admin=True, is_active=True)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise LastAdmin(
            f"{membership.user.email} is the only admin of {membership.account.name}: "
            f"make another member an admin first, then {then}."
        )


def member_describe(membership: Membership) -> dict[str, Any]:
    """What the history shows of a member's place: role, groups and rights."""
    return {
        "role": membership.role.name if membership.role is not None else None,
        "groups": sorted(group.name for group in membership.groups.all()),
        "admin": membership.is_admin,
        "developer": membership.is_developer,
        "active": membership.is_active,
    }


@transaction.atomic
def membership_update(
    *,
    actor: Actor,
    membership: Membership,
    role_id: Any = UNSET,
    group_ids: Any = UNSET,
    is_admin: Any = UNSET,
    is_developer: Any = UNSET,
    is_active: Any = UNSET,
) -> Membership:
    """Change a member's role, groups, admin or developer right (only the fields given),
    and deactivate or reactivate them (``membership_set_active``), in one transaction.

    Raises ``PermissionDenied`` unless ``actor`` administers the member's account
    (``NotFound`` for another account's member), ``ValidationFailed`` naming ``role`` or
    ``groups`` for ones of another account, ``LastAdmin`` when it would take the admin
    right from the last admin. A member who loses access to an app loses the use of its
    tokens on the next request. Records the fields that changed, in the history and as
    one change to the member (``apps.accounts.member_changes``); changing nothing
    records nothing."""
    account = account_admin_for(actor=actor, account_id=membership.account_id)
    locked = _lock(membership)
    before = member_describe(locked)
    fields = []
    if role_id is not UNSET:
        locked.role = role_of(account, role_id)
        fields.append("role")
    groups = groups_of(account, group_ids) if group_ids is not UNSET else None
    if is_admin is not UNSET:
        if not is_admin:
            _keep_an_admin(locked, then="take the admin right away")
        locked.is_admin = bool(is_admin)
        fields.append("is_admin")
    if is_developer is not UNSET:
        locked.is_developer = bool(is_developer)
        fields.append("is_developer")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if groups is not None:
        locked.groups.set(groups)
    fields_changed = _record_changed(account=account, actor=actor, locked=locked, before=before)
    if is_active is not UNSET and _set_active(
        account=account, actor=actor, locked=locked, active=bool(is_active)
    ):
        fields_changed.append("is_active")
    members_changed(
        memberships=[locked] if fields_changed else [],
        change=MemberChange.CHANGED,
        actor=actor,
        changed=fields_changed,
    )
    return locked


def _record_changed(
    *, account: Account, actor: Actor, locked: Membership, before: dict[str, Any]
) -> list[str]:
    """Write what changed since ``before`` (``member_describe``) to the account's history;
    the membership's fields that changed."""
    after = member_describe(locked)
    changed = {key: {"before": before[key], "after": after[key]} for key in before}
    changed = {key: value for key, value in changed.items() if value["before"] != value["after"]}
    if changed:
        account_event_record(
            account=account,
            kind=AccountEvent.Kind.MEMBER_CHANGED,
            actor=actor,
            target=locked.user.email,
            detail=changed,
        )
    return [_FIELD_OF[key] for key in changed]


# The membership field behind each entry of ``member_describe``.
_FIELD_OF = {
    "role": "role",
    "groups": "groups",
    "admin": "is_admin",
    "developer": "is_developer",
    "active": "is_active",
}


@transaction.atomic
def membership_set_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Deactivate (``active=False``) or reactivate a member. A deactivated member keeps
    role, groups and settings but can no longer work in the account, and every app token
    of theirs on it is refused from the next request on (``token_refusal``).

    Idempotent: setting the state it has changes and records nothing. Raises as
    ``membership_update``; ``LastAdmin`` for the last active admin."""
    account = account_admin_for(actor=actor, account_id=membership.account_id)
    locked = _lock(membership)
    if _set_active(account=account, actor=actor, locked=locked, active=active):
        members_changed(
            memberships=[locked], change=MemberChange.CHANGED, actor=actor, changed=["is_active"]
        )
    return locked


def _set_active(*, account: Account, actor: Actor, locked: Membership, active: bool) -> bool:
    """Set the locked membership's active flag and record it in the history; whether it
    changed."""
    if locked.is_active == active:
        return False
    if not active:
        _keep_an_admin(locked, then="deactivate this one")
    locked.is_active = active
    locked.save(update_fields=["is_active", "updated_at"])
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.MEMBER_REACTIVATED
        if active
        else AccountEvent.Kind.MEMBER_DEACTIVATED,
        actor=actor,
        target=locked.user.email,
    )
    return True


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    """Take a member out of the account: their membership goes, and every app token of
    theirs on the account is refused from the next request on (tokens keep no
    membership). Their user and their other accounts stay.

    Raises as ``membership_update``; ``LastAdmin`` for the last active admin."""
    account = account_admin_for(actor=actor, account_id=membership.account_id)
    locked = _lock(membership)
    _keep_an_admin(locked, then="remove this one")
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.MEMBER_REMOVED,
        actor=actor,
        target=locked.user.email,
        detail=member_describe(locked),
    )
    members_changed(memberships=[locked], change=MemberChange.REMOVED, actor=actor)
    locked.delete()
