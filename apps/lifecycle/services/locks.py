"""The turn two purges of one installation take (its uninstall job and its app's
deletion can meet)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# The class of the PostgreSQL advisory locks that keep two purges of one installation
# apart (any constant; the installation id is the other half of the key).
PURGE_LOCK_CLASS = 0x4C494645


def purge_lock_key(installation_id: int) -> int:
    return installation_id % 2**31


@contextlib.contextmanager
def purge_turn(installation_id: int) -> Iterator[None]:
    """Wait until no other purge of this installation runs, and keep others waiting.

    Two purges of one installation can meet (its uninstall job and the app's deletion):
    run side by side, one deletes the installation row while the other's batch still
    holds rows pointing at it, and each waits on the other, a deadlock. On PostgreSQL a
    session advisory lock makes them take turns; the second then finds done what the
    first did. SQLite runs one writer at a time anyway. Nothing is held while waiting.
    The one-statement delete tries the same lock and gives way when it is held.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = [PURGE_LOCK_CLASS, purge_lock_key(installation_id)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError:
            # The connection is broken or mid-failed-transaction: the lock goes with
            # the session, which Django closes.
            logger.warning("Could not release the purge lock of installation %s.", installation_id)
