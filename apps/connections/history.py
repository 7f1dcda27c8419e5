"""The connection's entries in its installation's history (the installations context
keeps the history; connections sits above it and writes through its service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.accounts.actors import Actor, actor_system
from apps.installations.models import Installation, InstallationEvent
from apps.installations.services import installation_event_record

Kind = InstallationEvent.Kind

# The platform on its own: the refresh job, or a page noticing an update made the
# connection stale.
PLATFORM = actor_system(label="Platform")


def connection_event(
    installation: Installation,
    kind: InstallationEvent.Kind,
    actor: Actor | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record ``kind`` in the installation's history, by ``actor`` (the platform when
    ``None``). ``detail`` holds keys and plain-words problems, never a value or token."""
    installation_event_record(
        installation=installation, kind=kind, actor=actor or PLATFORM, detail=detail
    )
