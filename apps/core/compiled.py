"""Querysets compiled to SQL once per process and run with a new key each time.

Django compiles a queryset to SQL on every evaluation; for a lookup with a few joins that
costs several times what running it does (docs/performance.md: 4 ms against 0.1 ms on
SQLite for the refresh-token lookup). A ``CompiledLookup`` compiles its queryset once,
keeps the SQL and the compiler's row layout, and on each call runs the SQL with the new
key and builds the model instances, their ``select_related`` rows and annotations as the
queryset would have, with the same converters. It goes through the database connection's
ordinary cursor: queries are logged and counted as any other.

On PostgreSQL with a prepare threshold (``OPTIONS["prepare_threshold"]``,
``DATABASE_PREPARE_THRESHOLD``) the statement is sent with server-side binding, so psycopg
prepares it on each connection once it has run that many times and PostgreSQL stops
re-planning it (``lookup_cursor``; docs/operations.md). Parameters are named, which spares
Django's SQLite cursor a regular-expression rewrite of the statement on every call.

Only the key changes between calls. Anything else that may change (a setting, the time)
must not be baked into the queryset. The SQL follows the models as the process loaded
them: after a migration that changes their tables, restart the processes (a deploy does).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)

# Stands for the key while the queryset is compiled; found again among the parameters.
_KEY = "\x1fcompiled-lookup-key\x1f"
_PLACEHOLDER = re.compile(r"(?<!%)%s")


def lookup_cursor(connection: Any) -> Any:
    """A cursor of ``connection`` (a database connection of ``django.db.connections``),
    wrapped as ``connection.cursor()`` wraps its own (errors translated, queries logged
    when Django logs them); on PostgreSQL with a prepare threshold, one that binds
    parameters on the server, so psycopg can prepare the statement it runs. The ORM's own
    queries keep Django's client-side binding."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw_connection = connection.connection
    if raw_connection.prepare_threshold is None:
        return connection.cursor()
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    with connection.wrap_database_errors:
        return connection._prepare_cursor(ServerBindingCursor(raw_connection))


def _health_check_taken(connection: Any) -> bool:
    """Whether the statement about to run is the health check Django owes a connection kept
    from an earlier request (``CONN_HEALTH_CHECKS``), now marked done: a statement that
    fails on such a connection is run again once on a new one, which is all the check's
    own ``SELECT 1`` round trip would have bought. Never inside a transaction, where
    nothing may be run again."""
    if (
        connection.connection is None
        or not connection.health_check_enabled
        or connection.health_check_done
        or connection.in_atomic_block
    ):
        return False
    connection.health_check_done = True
    return True


def run_lookup(connection: Any, sql: str, params: Any, fetch: Callable[[Any], Any]) -> Any:
    """``fetch(cursor)`` after running one read-only ``sql`` on ``connection`` through
    ``lookup_cursor``. The caller passes the connection it looked up: each look-up in
    ``django.db.connections`` goes through a context-local and costs microseconds.

    When it is the first statement of a request on a kept connection, it stands for the
    connection's health check: if the database dropped the connection meanwhile
    (restarted, idle timeout), it is closed and the statement run once more on a new
    one, as the check would have done, without a round trip of its own on every request.
    """
    retry = _health_check_taken(connection)
    for attempt in (1, 2):
        cursor = lookup_cursor(connection)
        try:
            cursor.execute(sql, params)
            return fetch(cursor)
        except (OperationalError, InterfaceError):
            if not retry or attempt == 2:
                raise
            connection.close()
        finally:
            cursor.close()
    raise AssertionError("unreachable")


def _fetchall(cursor: Any) -> Any:
    return cursor.fetchall()


class _Compiled:
    """One queryset compiled for one database connection."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        if _KEY not in params:
            raise ValueError("The queryset does not use its key.")
        numbers = itertools.count()
        self.sql = _PLACEHOLDER.sub(lambda _match: f"%(p{next(numbers)})s", sql)
        self.params = {f"p{i}": value for i, value in enumerate(params)}
        self.slots = [name for name, value in self.params.items() if value == _KEY]
        self.compiler = compiler
        klass_info = compiler.klass_info
        assert klass_info is not None
        self.model: type[Model] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, self.db)
        self.annotations = dict(compiler.annotation_col_map or {})
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)

    def run(self, key: str) -> list[Any]:
        params = dict(self.params)
        for slot in self.slots:
            params[slot] = key
        rows = run_lookup(connections[self.db], self.sql, params, _fetchall)
        objects = []
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class CompiledLookup(Generic[M]):
    """``build(key)``'s rows, compiled once per database vendor.

    ``build`` receives a stand-in for the key and must return the same queryset shape for
    every key, filtering on it (``lambda key: Grant.objects.filter(code=key)``).
    """

    def __init__(self, build: Callable[[str], QuerySet[M]]) -> None:
        self.build = build
        self.model: type[M] | None = None
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def __call__(self, key: str) -> list[M]:
        compiled = None
        if self.model is not None:
            alias = router.db_for_read(self.model)
            compiled = self._compiled.get((alias, connections[alias].vendor))
        if compiled is None:
            queryset = self.build(_KEY)
            self.model = queryset.model
            compiled = _Compiled(queryset)
            self._compiled[(compiled.db, connections[compiled.db].vendor)] = compiled
        return compiled.run(key)

    def first(self, key: str) -> M | None:
        rows = self(key)
        return rows[0] if rows else None
