"""Emptying the tables between transactional tests on PostgreSQL with ``DELETE`` instead of
``TRUNCATE``.

Django empties every table after each transactional test (``TransactionTestCase``,
``django_db(transaction=True)``, live-server tests) with one ``TRUNCATE`` of all of them,
which gives every table and index new files: about half a second for the product's
eighty tables, whatever they hold. The tables such a test leaves hold a few rows, so
deleting them costs about 10 ms. All the deletes run in the flush's one transaction with
the foreign-key checks deferred to its commit (Django creates them deferrable), so their
order does not matter. Sequences are left as they are, as Django's own flush leaves them
unless a test asks for ``reset_sequences``, which still gets the ``TRUNCATE``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.operations import DatabaseOperations


def empty_tables_by_delete() -> None:
    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        quote = self.quote_name
        return ["SET CONSTRAINTS ALL DEFERRED", *(f"DELETE FROM {quote(t)}" for t in tables)]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
