"""What the contexts above ``accounts`` learn of a change to an account's members.

An account's users are module data too (``users.user``): apps read them and expect a
change event for every member added, changed or removed. The events belong to the
modules context, above this one, so the member services do not write them: they report
each change here, inside the transaction of the change, and every ``MemberChangeSink``
registered at start-up (the modules context's, from ``AppConfig.ready``) writes what it
keeps of it in that same transaction. A change that rolls back takes its records with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from apps.accounts.actors import Actor
from apps.accounts.models import Membership


class MemberChange(StrEnum):
    """What happened to a member (the change event's action)."""

    ADDED = "created"
    CHANGED = "updated"
    REMOVED = "deleted"


class MemberChangeSink(Protocol):
    def members_changed(
        self,
        *,
        memberships: Sequence[Membership],
        change: MemberChange,
        actor: Actor,
        changed: Sequence[str],
    ) -> None:
        """Record that ``actor`` added, changed or removed ``memberships`` (their user,
        role and account loaded; for a removal, as they were just before), ``changed``
        naming the membership's fields that changed. Called inside the change's
        transaction; it must not commit or swallow errors of its own."""


_SINKS: list[MemberChangeSink] = []


def member_change_sink_register(sink: MemberChangeSink) -> None:
    """Register ``sink`` once (start-up calls this from ``AppConfig.ready``)."""
    if not any(type(existing) is type(sink) for existing in _SINKS):
        _SINKS.append(sink)


def members_changed(
    *,
    memberships: Sequence[Membership],
    change: MemberChange,
    actor: Actor,
    changed: Sequence[str] = (),
) -> None:
    """Tell every registered sink of a change to ``memberships``; nothing when the list
    is empty. Call it inside the change's transaction, after the change (before it, for a
    removal)."""
    if not memberships:
        return
    for sink in _SINKS:
        sink.members_changed(
            memberships=memberships, change=change, actor=actor, changed=sorted(changed)
        )
