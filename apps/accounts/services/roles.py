"""Roles (module rights) and groups (teams) of an account, by its admins.

A role or group in use (by members, open invitations, or an installed app's access
rules, through ``apps.accounts.usage``) is deleted only with a replacement that takes
over every use; without one the deletion is refused with what uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor
from apps.accounts.errors import AccountError, InUse
from apps.accounts.member_changes import MemberChange, members_changed
from apps.accounts.models import AccountEvent, Group, Invitation, Membership, Role
from apps.accounts.policies import effective_rights, rights_errors
from apps.accounts.services.common import _insert_unique
from apps.accounts.services.history import account_event_record
from apps.accounts.services.members import account_admin_for, groups_of, role_of
from apps.accounts.usage import usage_sources
from apps.core.errors import NotFound, ValidationFailed


def _clean_rights(rights: Mapping[str, str]) -> dict[str, str]:
    errors = rights_errors(rights)
    if errors:
        raise ValidationFailed("The rights are not valid.", fields={"rights": errors})
    # Stored without "none": a missing module means none.
    return {module: level for module, level in rights.items() if level != "none"}


def role_create(*, actor: Actor, name: str, rights: Mapping[str, str]) -> Role:
    """Create a role with module rights in the account ``actor`` administers.
    ``ValidationFailed`` naming ``name`` (blank, taken) or ``rights`` (unknown module or
    level)."""
    account = account_admin_for(actor=actor)
    with transaction.atomic():
        role = Role(account=account, name=(name or "").strip(), rights=_clean_rights(rights))
        role = _insert_unique(role, field="name", taken="A role with this name exists.")
        account_event_record(
            account=account,
            kind=AccountEvent.Kind.ROLE_CREATED,
            actor=actor,
            target=role.name,
            detail={"rights": role.rights},
        )
    return role


def _rights_diff(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, list[str]]:
    old = effective_rights(rights=before, is_admin=False)
    new = effective_rights(rights=after, is_admin=False)
    return {module: [old[module], new[module]] for module in new if old[module] != new[module]}


def role_update(
    *,
    actor: Actor,
    role: Role,
    name: str | None = None,
    rights: Mapping[str, str] | None = None,
) -> Role:
    """Rename a role and/or replace its module rights (``None``: keep). Members with the
    role have the new rights from their next request on, app tokens included. Records
    what changed; a new name is a change to each member with the role
    (``apps.accounts.member_changes``)."""
    account = account_admin_for(actor=actor, account_id=role.account_id)
    with transaction.atomic():
        locked = Role.objects.select_for_update().filter(pk=role.pk).first()
        if locked is None:
            raise NotFound("No such role in this account.")
        detail: dict[str, Any] = {}
        if name is not None and name.strip() != locked.name:
            detail["name"] = [locked.name, name.strip()]
            locked.name = name.strip()
        if rights is not None:
            cleaned = _clean_rights(rights)
            diff = _rights_diff(locked.rights, cleaned)
            if diff:
                detail["rights"] = diff
            locked.rights = cleaned
        if not detail:
            return locked
        locked = _insert_unique(locked, field="name", taken="A role with this name exists.")
        account_event_record(
            account=account,
            kind=AccountEvent.Kind.ROLE_CHANGED,
            actor=actor,
            target=locked.name,
            detail=detail,
        )
        if "name" in detail:
            # Members are served with their role's name: each of them changed.
            members_changed(
                memberships=_members(Membership.objects.filter(role=locked)),
                change=MemberChange.CHANGED,
                actor=actor,
                changed=["role"],
            )
    return locked


def _members(rows: Any) -> list[Membership]:
    """``rows`` loaded as the member change report wants them (user, role, account)."""
    return list(rows.select_related("user", "role", "account").order_by("pk"))


def role_uses(*, role: Role) -> list[str]:
    """What uses ``role``, in words: its members, open invitations, and the access rules
    of installed apps (from every registered usage source)."""
    uses = []
    members = Membership.objects.filter(role=role).count()
    if members:
        uses.append(f"{members} member{'s' if members != 1 else ''}")
    invitations = _open_invitations().filter(role=role).count()
    if invitations:
        uses.append(f"{invitations} open invitation{'s' if invitations != 1 else ''}")
    for source in usage_sources():
        uses += source.uses(role)
    return uses


def group_uses(*, group: Group) -> list[str]:
    """What uses ``group``, in words (as ``role_uses``)."""
    uses = []
    members = group.memberships.count()
    if members:
        uses.append(f"{members} member{'s' if members != 1 else ''}")
    invitations = _open_invitations().filter(groups=group).count()
    if invitations:
        uses.append(f"{invitations} open invitation{'s' if invitations != 1 else ''}")
    for source in usage_sources():
        uses += source.uses(group)
    return uses


def _open_invitations() -> Any:
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)


@transaction.atomic
def role_delete(*, actor: Actor, role: Role, reassign_to_id: Any = None) -> None:
    """Delete a role. While members, open invitations or an app's access rules use it,
    refused (409 ``role_in_use``, ``extra["uses"]`` says what) unless ``reassign_to_id``
    names another role of the account, which then takes over every use (its members'
    rights change on their next request; a change to each of them,
    ``apps.accounts.member_changes``)."""
    account = account_admin_for(actor=actor, account_id=role.account_id)
    locked = Role.objects.select_for_update().filter(pk=role.pk).first()
    if locked is None:
        raise NotFound("No such role in this account.")
    target = role_of(account, reassign_to_id) if reassign_to_id not in (None, "") else None
    if target is not None and target.pk == locked.pk:
        raise ValidationFailed(
            "Choose another role.", fields={"reassign_to": ["Choose a role other than this one."]}
        )
    uses = role_uses(role=locked)
    if uses and target is None:
        raise InUse(
            f"The role “{locked.name}” is in use ({'; '.join(uses)}). Choose a role to give "
            "them instead, or change them first.",
            code=AccountError.ROLE_IN_USE,
            extra={"uses": uses},
        )
    if target is not None:
        moved = list(Membership.objects.filter(role=locked).values_list("pk", flat=True))
        Membership.objects.filter(role=locked).update(role=target)
        members_changed(
            memberships=_members(Membership.objects.filter(pk__in=moved)),
            change=MemberChange.CHANGED,
            actor=actor,
            changed=["role"],
        )
        _open_invitations().filter(role=locked).update(role=target)
        for source in usage_sources():
            source.reassign(locked, target, actor)
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.ROLE_DELETED,
        actor=actor,
        target=locked.name,
        detail={"uses": uses, "reassigned_to": target.name if target else None},
    )
    locked.delete()


def group_create(*, actor: Actor, name: str) -> Group:
    """Create a group (a team) in the account ``actor`` administers; names are unique
    per account (``ValidationFailed`` naming ``name``)."""
    account = account_admin_for(actor=actor)
    with transaction.atomic():
        group = Group(account=account, name=(name or "").strip())
        group = _insert_unique(group, field="name", taken="A group with this name exists.")
        account_event_record(
            account=account, kind=AccountEvent.Kind.GROUP_CREATED, actor=actor, target=group.name
        )
    return group


def group_rename(*, actor: Actor, group: Group, name: str) -> Group:
    """Rename a group (unique per account). Renaming to its own name records nothing."""
    account = account_admin_for(actor=actor, account_id=group.account_id)
    with transaction.atomic():
        locked = Group.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            raise NotFound("No such group in this account.")
        old = locked.name
        locked.name = (name or "").strip()
        if locked.name == old:
            return locked
        locked = _insert_unique(locked, field="name", taken="A group with this name exists.")
        account_event_record(
            account=account,
            kind=AccountEvent.Kind.GROUP_RENAMED,
            actor=actor,
            target=locked.name,
            detail={"name": [old, locked.name]},
        )
    return locked


@transaction.atomic
def group_delete(*, actor: Actor, group: Group, reassign_to_id: Any = None) -> None:
    """Delete a group. While members, open invitations or an app's access rules use it,
    refused (409 ``group_in_use``) unless ``reassign_to_id`` names another group of the
    account: its members and invitations join that group and the access rules name it
    (a change to each of those members, ``apps.accounts.member_changes``)."""
    account = account_admin_for(actor=actor, account_id=group.account_id)
    locked = Group.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise NotFound("No such group in this account.")
    target = None
    if reassign_to_id not in (None, ""):
        target = groups_of(account, [reassign_to_id])[0]
        if target.pk == locked.pk:
            raise ValidationFailed(
                "Choose another group.",
                fields={"reassign_to": ["Choose a group other than this one."]},
            )
    uses = group_uses(group=locked)
    if uses and target is None:
        raise InUse(
            f"The group “{locked.name}” is in use ({'; '.join(uses)}). Choose a group to move "
            "them to instead, or change them first.",
            code=AccountError.GROUP_IN_USE,
            extra={"uses": uses},
        )
    if target is not None:
        members = _members(locked.memberships.all())
        target.memberships.add(*members)
        members_changed(
            memberships=members, change=MemberChange.CHANGED, actor=actor, changed=["groups"]
        )
        target.invitations.add(*_open_invitations().filter(groups=locked))
        for source in usage_sources():
            source.reassign(locked, target, actor)
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.GROUP_DELETED,
        actor=actor,
        target=locked.name,
        detail={"uses": uses, "reassigned_to": target.name if target else None},
    )
    locked.delete()
