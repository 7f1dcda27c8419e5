"""Deleting rows in bounded batches, each in its own short transaction.

A cascade never loads a whole table into memory, never holds a lock for long and never
goes through Django's deletion collector (which SELECTs every row and runs one UPDATE per
``SET_NULL`` relation). Each batch picks at most ``batch_size`` ids, clears the
pointers other rows hold to them, and deletes them by id. For the periodic purge the
pick is ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers purging the same rows
split them instead of waiting on each other. Every function is idempotent: run it again
and it deletes what is left, which may be nothing.

A batch that is a transaction of its own commits asynchronously on PostgreSQL
(``synchronous_commit = off`` for that transaction only): waiting for the WAL flush was
most of the cost of a small batch (see ``docs/performance.md``). A crash can then lose
the last batches' deletions, whole and in order, never part of one; the rows are still
there and the job, whose progress is committed normally after them, deletes them again.
A batch inside a caller's transaction leaves that transaction's commit as it is.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction

from apps.core.deletion import Pointer

BATCH_SIZE = 2000


@dataclass
class Tally:
    """Rows deleted per name (a step, a kind of token), and whether everything asked
    for is gone."""

    deleted: dict[str, int] = field(default_factory=dict)
    complete: bool = True

    def add(self, name: str, count: int, complete: bool) -> bool:
        self.deleted[name] = self.deleted.get(name, 0) + count
        self.complete = self.complete and complete
        return complete

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


class Deadline:
    """A time budget: work stops between batches once it is spent."""

    def __init__(self, seconds: float | None) -> None:
        self.at = None if seconds is None else time.monotonic() + seconds

    def passed(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


NO_DEADLINE = Deadline(None)


@contextlib.contextmanager
def relaxed_commits() -> Iterator[None]:
    """For the commits inside, do not wait for the PostgreSQL log flush
    (``synchronous_commit`` off for this session, then back to the default).

    Used around a chunk of a lifecycle job, whose many small commits are each a log
    flush otherwise. A database crash can then lose the last commits, whole and in order;
    the job records its progress after the chunk with a normal commit, which flushes all
    of them, so what a crash loses is only work the job does again. Elsewhere (SQLite,
    or inside a caller's transaction) it changes nothing.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            # A broken connection is closed by Django, and the setting goes with it.
            pass


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def delete_ids(model: type[models.Model], ids: Sequence[int]) -> int:
    """``DELETE ... WHERE pk IN (ids)`` in one statement, without the collector."""
    if not ids:
        return 0
    meta = model._meta
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_quote(meta.db_table)} WHERE {_quote(meta.pk.column)} "  # noqa: S608
            f"IN ({placeholders})",
            list(ids),
        )
        return int(max(cursor.rowcount, 0))


def _pick(queryset: models.QuerySet[Any], batch_size: int, skip_locked: bool) -> list[int]:
    queryset = queryset.order_by()
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list("pk", flat=True)[:batch_size])


def delete_batch(
    queryset: models.QuerySet[Any],
    *,
    pointers: Iterable[Pointer] = (),
    before_delete: Callable[[list[int]], None] | None = None,
    batch_size: int = BATCH_SIZE,
    skip_locked: bool = False,
) -> int:
    """Delete one batch of ``queryset``'s rows in one short transaction.

    ``pointers`` are set to NULL where they point at the batch first, and
    ``before_delete`` sees the ids (to remove files from storage, say). Returns how many
    rows it deleted: fewer than ``batch_size`` means nothing is left.

    ``skip_locked`` (the periodic purge) leaves rows another transaction holds to whoever
    holds them, so two purges split the work. A cascade must delete every row of its
    installation, so it waits for such rows instead.
    """
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        ids = _pick(queryset, batch_size, skip_locked)
        if not ids:
            return 0
        for pointer in pointers:
            pointer.model._base_manager.filter(**{f"{pointer.column}__in": ids}).update(
                **{pointer.column: None}
            )
        if before_delete is not None:
            before_delete(ids)
        delete_ids(queryset.model, ids)
        return len(ids)


def delete_all(
    queryset: models.QuerySet[Any],
    *,
    pointers: Iterable[Pointer] = (),
    before_delete: Callable[[list[int]], None] | None = None,
    batch_size: int = BATCH_SIZE,
    deadline: Deadline = NO_DEADLINE,
    skip_locked: bool = False,
) -> tuple[int, bool]:
    """Delete ``queryset``'s rows batch after batch until none is left or ``deadline``
    passes. Returns (rows deleted, whether none is left)."""
    pointers = tuple(pointers)
    deleted = 0
    while True:
        count = delete_batch(
            queryset,
            pointers=pointers,
            before_delete=before_delete,
            batch_size=batch_size,
            skip_locked=skip_locked,
        )
        deleted += count
        if count < batch_size:
            return deleted, True
        if deadline.passed():
            return deleted, False
