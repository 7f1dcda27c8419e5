"""Pure rules of moderation: the review checklist."""

from __future__ import annotations

from collections.abc import Mapping

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
