"""Secrets held in the browser session between two requests, encrypted.

Two flows hand a secret from one request to the next of the same browser: a value shown
once after a post/redirect/get (a new API key, a client secret, an install link), and the
redirect back to an app, authorization code included, held while the admin who installed
it fills in its settings. Both keep it here: sessions are stored server side, and a
secret must never sit there in plain text, so the value is encrypted with the platform's
keys (``apps.core.crypto``). Each value waits in a named slot of one session key, with the
time it was held; values older than ``max_age`` are gone, and at most ``max_held`` wait
under one key (the oldest go first).
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from apps.core.crypto import DecryptionFailed, decrypt, encrypt

Session = MutableMapping[str, Any]


@dataclass(frozen=True)
class Held:
    value: str
    held_at: float  # seconds since the epoch


def _live(session: Session, key: str, max_age: float, now: float) -> dict[str, dict[str, Any]]:
    stored = session.get(key)
    if not isinstance(stored, dict):
        return {}
    return {
        slot: entry
        for slot, entry in stored.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("at"), int | float)
        and now - entry["at"] < max_age
    }


def _save(session: Session, key: str, held: dict[str, dict[str, Any]]) -> None:
    if held:
        session[key] = held
    elif key in session:
        del session[key]


def _open(entry: dict[str, Any] | None) -> Held | None:
    if entry is None:
        return None
    try:
        return Held(value=decrypt(entry["value"]), held_at=float(entry["at"]))
    except (DecryptionFailed, KeyError, TypeError, ValueError):  # keys rotated meanwhile
        return None


def session_value_hold(
    session: Session,
    *,
    key: str,
    slot: str,
    value: str,
    max_age: float,
    max_held: int = 20,
) -> Held:
    """Hold ``value`` under ``slot`` of ``key``, encrypted; replaces a value held there
    before. Drops values older than ``max_age`` and, past ``max_held``, the oldest."""
    now = time.time()
    held = _live(session, key, max_age, now)
    held[slot] = {"value": encrypt(value), "at": now}
    newest = sorted(held.items(), key=lambda item: item[1]["at"])[-max_held:]
    _save(session, key, dict(newest))
    return Held(value=value, held_at=now)


def session_value_get(session: Session, *, key: str, slot: str, max_age: float) -> Held | None:
    """The value held under ``slot``, left in place; ``None`` when there is none, it is
    older than ``max_age`` or can no longer be decrypted."""
    return _open(_live(session, key, max_age, time.time()).get(slot))


def session_value_pop(session: Session, *, key: str, slot: str, max_age: float) -> Held | None:
    """The value held under ``slot``, removed: it is used once. ``None`` as for
    ``session_value_get``."""
    held = _live(session, key, max_age, time.time())
    entry = held.pop(slot, None)
    _save(session, key, held)
    return _open(entry)
