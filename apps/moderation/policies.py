"""Pure rules of moderation: who may review, and the review checklist."""

from __future__ import annotations

from collections.abc import Mapping

from apps.accounts.actors import Actor

# What a moderator checks on every version (the Flowlu review criteria).
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("functionality", "The declared functionality is clear and matches the listing"),
    ("works_as_described", "The app works as described"),
    ("security", "Security: HTTPS everywhere, no secrets in URLs, safe data handling"),
    ("scopes", "The requested scopes are sufficient and each is justified"),
)
CHECKLIST_KEYS = tuple(key for key, _ in CHECKLIST)


def checklist_clean(raw: Mapping[str, object] | None) -> dict[str, bool]:
    """Every checklist item as true/false; unknown keys dropped, missing ones false."""
    raw = raw or {}
    return {key: bool(raw.get(key)) for key in CHECKLIST_KEYS}


def checklist_missing(checklist: Mapping[str, bool]) -> list[str]:
    """The items not ticked, in checklist order: approval needs every one."""
    return [key for key in CHECKLIST_KEYS if not checklist.get(key)]


def actor_can_moderate(actor: Actor) -> bool:
    """Whether ``actor`` is a platform moderator: a person (signed in, or named as who
    started a command) with the moderation permission. API keys and the platform acting
    without a person never are. Reads ``actor.is_moderator``, loaded at most once."""
    return actor.user is not None and actor.is_moderator


def version_can_review(actor: Actor, *, develops_app: bool) -> bool:
    """Whether ``actor`` may review a version: a moderator who is not a member of the
    account that develops the app (``develops_app``: nobody reviews their own app)."""
    return actor_can_moderate(actor) and not develops_app
