"""What uses a role or a group, beyond the accounts context's own rows.

A role or group in use cannot simply be deleted: members, pending invitations and the
access rules of installed apps name it. The contexts above ``accounts`` that keep rows
naming roles or groups (installations: who may use an app) register a ``UsageSource``
when Django starts; the role and group services ask every source what uses an object,
and have each move its rows to a replacement when the admin chooses one.
"""

from __future__ import annotations

from typing import Protocol

from apps.accounts.actors import Actor
from apps.accounts.models import Group, Role


class UsageSource(Protocol):
    def uses(self, obj: Role | Group) -> list[str]:
        """What of this source uses ``obj``, in words ("the access of app “Invoicer”")."""

    def reassign(self, obj: Role | Group, to: Role | Group, actor: Actor) -> None:
        """Make every row naming ``obj`` name ``to`` instead (rows already naming ``to``
        just go); called inside the deleting transaction, before ``obj`` is deleted."""


_SOURCES: list[UsageSource] = []


def usage_source_register(source: UsageSource) -> None:
    """Register ``source`` once (start-up calls this from ``AppConfig.ready``)."""
    if not any(type(existing) is type(source) for existing in _SOURCES):
        _SOURCES.append(source)


def usage_sources() -> tuple[UsageSource, ...]:
    return tuple(_SOURCES)
