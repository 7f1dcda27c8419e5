"""The one-statement path: a small installation deleted whole in one short transaction.

Most installations own a few dozen rows; going through the steps of their plan would be
mostly fixed cost (see ``docs/performance.md``). So an installation with at most
``BATCH_SIZE`` rows in every table its plan deletes, and no row that needs a file hook
(setting files leave storage before their rows, step by step), goes in one transaction:
on PostgreSQL one statement whose data-modifying ``WITH`` clauses all see one snapshot,
elsewhere one statement per table. The statements are built once from the
installation's deletion plan (``plan_for(Installation)``): one ``DELETE`` per table it
names, on the column that points at the installation, then the installation row. The
constraints between the rows (access and refresh tokens point at each other) are checked
at commit, when every row is gone; a row that arrived meanwhile makes the commit fail
and nothing is deleted. The plan's storage hooks (an emptied ``settings/<uid>`` folder)
run once the rows are gone.

The path is open only while every rows of the plan are on such a plain column
(``whole_delete_plan`` is then not ``None``; a test keeps it so).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models, transaction

from apps.core.deletion import Owner, Rows
from apps.installations.models import Installation
from apps.lifecycle.services.batches import BATCH_SIZE
from apps.lifecycle.services.locks import PURGE_LOCK_CLASS, purge_lock_key
from apps.lifecycle.services.plans import Plan, plan_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Table:
    table: str
    column: str
    step: str


@dataclass(frozen=True)
class _Hooked:
    """Rows that need a file hook: an installation holding any goes step by step."""

    table: str
    column: str
    where: str
    params: tuple[Any, ...]

    def exists(self, owner: str = "%s") -> str:
        """Whether the owner (a parameter, or a column of the outer query) has such rows."""
        return f"SELECT 1 FROM {self.table} WHERE {self.column} = {owner} AND {self.where}"  # noqa: S608


@dataclass(frozen=True)
class WholeDelete:
    """The one-transaction delete of the installation plan, as SQL pieces."""

    tables: tuple[_Table, ...]
    hooked: tuple[_Hooked, ...]
    owner_table: str
    owner_step: str
    steps: tuple[str, ...]
    needs: tuple[str, ...]
    storage: tuple[tuple[str, Callable[[Owner], int]], ...]
    postgresql_sql: str = ""
    postgresql_many_sql: str = ""

    def hooked_params(self, installation_id: int) -> list[Any]:
        return [p for h in self.hooked for p in (installation_id, *h.params)]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(rows: Rows) -> str | None:
    """The column of ``rows.model`` its lookup compares with the owner's id, if plain."""
    if rows.key != "id" or "__" in rows.lookup:
        return None
    field = rows.model._meta.get_field(rows.lookup)
    return field.column if field.concrete else None


def _where(rows: Rows) -> tuple[str, tuple[Any, ...]]:
    query = rows.model._base_manager.filter(rows.where).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, tuple(params)


def _pieces(plan: Plan) -> WholeDelete | None:
    tables: dict[type[models.Model], _Table] = {}
    hooked: list[_Hooked] = []
    conditioned: set[type[models.Model]] = set()
    owner_step = ""
    for step, rows in plan.rows():
        if rows.model is plan.owner:
            owner_step = step.name
            continue
        column = _column(rows)
        if column is None:
            return None
        table = _quote(rows.model._meta.db_table)
        if rows.where is None:
            tables.setdefault(rows.model, _Table(table, _quote(column), step.name))
            continue
        conditioned.add(rows.model)
        if rows.before_delete is not None:
            hooked.append(_Hooked(table, _quote(column), *_where(rows)))
    if not owner_step or conditioned - set(tables):
        return None
    needs = tuple(n for n in plan.needs if n != "id")
    return WholeDelete(
        tables=tuple(tables.values()),
        hooked=tuple(hooked),
        owner_table=_quote(plan.owner._meta.db_table),
        owner_step=owner_step,
        steps=tuple(step.name for step in plan.steps),
        needs=needs,
        storage=tuple((s.name, s.storage) for s in plan.steps if s.storage is not None),
    )


@functools.cache
def whole_delete_plan(vendor: str) -> WholeDelete | None:
    """The installation plan's one-transaction delete for this database vendor, or
    ``None`` when the plan has rows it cannot delete in one statement per table."""
    whole = _pieces(plan_for(Installation))
    if whole is None or vendor != "postgresql":
        return whole
    return dataclasses.replace(
        whole,
        postgresql_sql=_postgresql_sql(whole),
        postgresql_many_sql=_postgresql_many_sql(whole),
    )


def installations_small(*, installation_ids: list[int], limit: int = BATCH_SIZE) -> set[int]:
    """Which of ``installation_ids`` are small enough to go in one short transaction:
    at most ``limit`` rows in each table their plan deletes, and no row that needs a file
    hook. One query for the whole list, so checking costs nothing per installation."""
    whole = whole_delete_plan(connection.vendor)
    if not installation_ids or whole is None:
        return set()
    ids = ", ".join(["%s"] * len(installation_ids))
    parts: list[str] = []
    params: list[Any] = []
    for t in whole.tables:
        parts.append(
            f"SELECT {t.column} FROM {t.table} WHERE {t.column} IN ({ids}) "  # noqa: S608
            f"GROUP BY {t.column} HAVING COUNT(*) > %s"
        )
        params.extend([*installation_ids, limit])
    for h in whole.hooked:
        parts.append(f"SELECT {h.column} FROM {h.table} WHERE {h.column} IN ({ids}) AND {h.where}")  # noqa: S608
        params.extend([*installation_ids, *h.params])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        large = {row[0] for row in cursor.fetchall()}
    return set(installation_ids) - large


def _postgresql_sql(whole: WholeDelete) -> str:
    """One statement: ``ok`` holds when the installation has one of the statuses, no
    hooked row and nobody purging it step by step (the advisory lock of ``purge_turn``,
    tried: while one runs, this deletes nothing and the caller takes the steps, where it
    waits its turn); each ``d<i>`` deletes one table; the result is the rows each
    deleted, then the installation's fields the storage hooks need."""
    ok = " ".join(
        [
            f"SELECT 1 FROM {whole.owner_table} WHERE id = %s AND status = ANY(%s)",  # noqa: S608
            *(f"AND NOT EXISTS ({h.exists()})" for h in whole.hooked),
            "AND pg_try_advisory_xact_lock(%s, %s)",
        ]
    )
    clauses = [
        f"d{i} AS (DELETE FROM {t.table} WHERE {t.column} = %s "  # noqa: S608
        "AND EXISTS (SELECT 1 FROM ok) RETURNING 1)"
        for i, t in enumerate(whole.tables)
    ]
    last = len(whole.tables)
    returning = ", ".join(["id", *(_quote(n) for n in whole.needs)])
    clauses.append(
        f"d{last} AS (DELETE FROM {whole.owner_table} WHERE id = %s "  # noqa: S608
        f"AND EXISTS (SELECT 1 FROM ok) RETURNING {returning})"
    )
    counts = [f"(SELECT COUNT(*) FROM d{i})" for i in range(last + 1)]  # noqa: S608
    fields = [f"(SELECT {_quote(n)} FROM d{last})" for n in whole.needs]  # noqa: S608
    return f"WITH ok AS ({ok}), {', '.join(clauses)} SELECT {', '.join(counts + fields)}"


def _postgresql_many_sql(whole: WholeDelete) -> str:
    """``_postgresql_sql`` for several installations at once: ``ok`` holds those that may
    go (the same conditions, each tried on its own lock), each ``d<i>`` deletes their rows
    of one table, and the result has one row per installation deleted: its id, the rows
    each table lost for it, then its fields the storage hooks need."""
    ok = " ".join(
        [
            f"SELECT o.id FROM {whole.owner_table} o WHERE o.id = ANY(%s) AND o.status = ANY(%s)",  # noqa: S608
            *(f"AND NOT EXISTS ({h.exists('o.id')})" for h in whole.hooked),
            "AND pg_try_advisory_xact_lock(%s, (o.id %% 2147483648)::integer)",
        ]
    )
    clauses = [
        f"d{i} AS (DELETE FROM {t.table} WHERE {t.column} IN (SELECT id FROM ok) "  # noqa: S608
        f"RETURNING {t.column} AS owner)"
        for i, t in enumerate(whole.tables)
    ]
    last = len(whole.tables)
    returning = ", ".join(["id", *(_quote(n) for n in whole.needs)])
    clauses.append(
        f"d{last} AS (DELETE FROM {whole.owner_table} WHERE id IN (SELECT id FROM ok) "  # noqa: S608
        f"RETURNING {returning})"
    )
    # Each table's deleted rows counted once, by installation.
    joins = " ".join(
        f"LEFT JOIN (SELECT owner, COUNT(*) AS n FROM d{i} GROUP BY owner) c{i} "  # noqa: S608
        f"ON c{i}.owner = d{last}.id"
        for i in range(last)
    )
    counts = [f"COALESCE(c{i}.n, 0)" for i in range(last)]
    fields = [f"d{last}.{_quote(n)}" for n in whole.needs]
    select = ", ".join([f"d{last}.id", *counts, *fields])
    return f"WITH ok AS ({ok}), {', '.join(clauses)} SELECT {select} FROM d{last} {joins}"  # noqa: S608


def _owner(whole: WholeDelete, installation_id: int, values: Sequence[Any]) -> Owner:
    """The installation's fields as the ORM reads them (SQLite returns a UUID as hex)."""
    meta = Installation._meta
    fields = {n: meta.get_field(n).to_python(v) for n, v in zip(whole.needs, values, strict=True)}  # type: ignore[union-attr]
    return {"id": installation_id, **fields}


def _postgresql(
    whole: WholeDelete, installation_id: int, statuses: tuple[str, ...]
) -> tuple[list[int], Owner] | None:
    params = [
        installation_id,
        list(statuses),
        *whole.hooked_params(installation_id),
        PURGE_LOCK_CLASS,
        purge_lock_key(installation_id),
        *[installation_id] * (len(whole.tables) + 1),
    ]
    with connection.cursor() as cursor:
        cursor.execute(whole.postgresql_sql, params)
        row = cursor.fetchone()
    counts = len(whole.tables) + 1
    if not row or not row[counts - 1]:
        return None
    return list(row[:counts]), _owner(whole, installation_id, row[counts:])


def _one_by_one(
    whole: WholeDelete, installation_id: int, statuses: tuple[str, ...]
) -> tuple[list[int], Owner] | None:
    fields = ", ".join(["status", *(_quote(n) for n in whole.needs)])
    check = " ".join(
        [
            f"SELECT {fields} FROM {whole.owner_table} WHERE id = %s",  # noqa: S608
            *(f"AND NOT EXISTS ({h.exists()})" for h in whole.hooked),
        ]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(check, [installation_id, *whole.hooked_params(installation_id)])
        row = cursor.fetchone()
        if row is None or row[0] not in statuses:
            return None
        deleted: list[int] = []
        for t in whole.tables:
            cursor.execute(f"DELETE FROM {t.table} WHERE {t.column} = %s", [installation_id])  # noqa: S608
            deleted.append(max(cursor.rowcount, 0))
        cursor.execute(f"DELETE FROM {whole.owner_table} WHERE id = %s", [installation_id])  # noqa: S608
        deleted.append(max(cursor.rowcount, 0))
    return deleted, _owner(whole, installation_id, row[1:])


def installation_delete_whole(
    *, installation_id: int, statuses: tuple[str, ...]
) -> dict[str, int] | None:
    """Delete an installation that ``installations_small`` found small, with everything
    its plan deletes, in one short transaction, then run the plan's storage hooks (its
    emptied folder). Returns the rows deleted per step of its plan (every step named,
    counted by the delete statements).

    Returns ``None`` having deleted nothing when it has another status than
    ``statuses`` (or is gone: then there is nothing to do either), a row that needs a
    file hook, a step-by-step purge running on it, or got a new row pointing at it while
    it was being deleted (a token issued that very moment): the steps
    (``installation_purge``) then go through it in batches.
    """
    whole = whole_delete_plan(connection.vendor)
    if whole is None:
        return None
    run = _postgresql if connection.vendor == "postgresql" else _one_by_one
    try:
        done = run(whole, installation_id, statuses)
    except IntegrityError:
        logger.info(
            "Installation %s changed while it was deleted; going step by step.", installation_id
        )
        return None
    if done is None:
        return None
    return _after(whole, *done)


def _after(whole: WholeDelete, rows: Sequence[int], owner: Owner) -> dict[str, int]:
    """The rows one installation lost per step of its plan (``rows``: per table, then its
    own row), once its storage hooks have run."""
    deleted = dict.fromkeys(whole.steps, 0)
    for table, count in zip(whole.tables, rows, strict=False):
        deleted[table.step] += count
    deleted[whole.owner_step] += rows[-1]
    for name, storage in whole.storage:
        deleted[name] += storage(owner)
    return deleted


def installations_delete_whole(
    *, installation_ids: list[int], statuses: tuple[str, ...]
) -> dict[int, dict[str, int]]:
    """``installation_delete_whole`` for several installations that
    ``installations_small`` found small, in one transaction on PostgreSQL (one statement;
    elsewhere one transaction each). Returns the rows deleted per step of its plan for
    each installation deleted; the others (another status, a row that needs a file hook,
    a step-by-step purge running on it) are left whole for the steps. When a row arrived
    meanwhile that points at one of them (the commit fails), each goes on its own."""
    whole = whole_delete_plan(connection.vendor)
    if whole is None or not installation_ids:
        return {}
    if not whole.postgresql_many_sql:
        return _each(installation_ids, statuses)
    params = [
        list(installation_ids),
        list(statuses),
        *[p for h in whole.hooked for p in h.params],
        PURGE_LOCK_CLASS,
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute(whole.postgresql_many_sql, params)
            found = cursor.fetchall()
    except IntegrityError:
        logger.info(
            "An installation changed while %s were deleted; one at a time.", len(installation_ids)
        )
        return _each(installation_ids, statuses)
    last = len(whole.tables)
    return {
        row[0]: _after(whole, [*row[1 : last + 1], 1], _owner(whole, row[0], row[last + 1 :]))
        for row in found
    }


def _each(installation_ids: list[int], statuses: tuple[str, ...]) -> dict[int, dict[str, int]]:
    gone = {}
    for pk in installation_ids:
        deleted = installation_delete_whole(installation_id=pk, statuses=statuses)
        if deleted is not None:
            gone[pk] = deleted
    return gone


def installation_delete_small(
    *, installation_id: int, statuses: tuple[str, ...], limit: int = BATCH_SIZE
) -> dict[str, int] | None:
    """``installation_delete_whole`` when the installation is small
    (``installations_small``); ``None`` having deleted nothing otherwise."""
    if not installations_small(installation_ids=[installation_id], limit=limit):
        return None
    return installation_delete_whole(installation_id=installation_id, statuses=statuses)
