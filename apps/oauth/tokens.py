"""Writes of the token endpoint: spending a code, rotating a refresh token out.

Each is a compare-and-set on the row, so of two exchanges of one code (or two refreshes of
one refresh token) running at once exactly one wins, whatever the database: the loser's
``UPDATE`` matches no row (on PostgreSQL it waits for the winner's commit and re-checks).
Call them inside the transaction that writes the new tokens, before writing them.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.utils import timezone

from apps.core.compiled import lookup_cursor
from apps.oauth.models import AccessToken, Grant, RefreshToken


def grant_consume(*, grant: Grant) -> bool:
    """Mark the code ``grant`` used (``consumed_at``). True when this call did; False when
    it was already used (a replay, or a concurrent exchange that won). Not idempotent by
    design: a code is spent once."""
    now = timezone.now()
    consumed = Grant.objects.filter(pk=grant.pk, consumed_at__isnull=True).update(
        consumed_at=now, updated=now
    )
    return bool(consumed)


def refresh_token_rotate_out(*, refresh_token: RefreshToken) -> bool:
    """Revoke the live refresh token ``refresh_token`` and delete the access token issued
    with it, as ``RefreshToken.revoke()`` does, in two statements and without locking
    first. True when this call revoked it; False when it was already revoked (used by a
    concurrent refresh, or revoked meanwhile), and then nothing is written."""
    now = timezone.now()
    revoked = RefreshToken.objects.filter(pk=refresh_token.pk, revoked__isnull=True).update(
        revoked=now, updated=now, access_token=None
    )
    if not revoked:
        return False
    if refresh_token.access_token_id is not None:
        # The one row pointing at it (this refresh token) was just cleared, so the
        # collector's SELECT and SET NULL round trips have nothing to do.
        previous = AccessToken.objects.filter(pk=refresh_token.access_token_id)
        previous._raw_delete(using=router.db_for_write(AccessToken))  # type: ignore[attr-defined]
    refresh_token.revoked = now
    refresh_token.access_token = None
    return True


# --- the grant's writes in one statement (PostgreSQL) ---------------------------------------
#
# Spending the code (or rotating the refresh token out) and inserting the new pair is four
# statements in a transaction: with BEGIN and COMMIT, six round trips to the database, and
# on a loaded server each costs more than running it. PostgreSQL runs them as one
# statement of data-modifying CTEs, atomic by itself in autocommit: the inserts read the
# row the compare-and-set returned, so a lost race inserts nothing and the statement
# answers no row. Deferred foreign keys (Django's on PostgreSQL) are checked at its end.


def pair_written_together(using: str) -> bool:
    """Whether ``pair_write`` can write the grant's rows in one statement on ``using``."""
    return connections[using].vendor == "postgresql"


def _insert_fields(model: type[Model], *, linked: str | None) -> list[Field]:
    return [
        f for f in model._meta.local_concrete_fields if not f.primary_key and f.attname != linked
    ]


def _insert(connection: Any, model: type[Model], *, source: str, linked: str | None) -> str:
    """``INSERT ... SELECT`` of one row per row of ``source``; ``linked`` (a foreign key's
    column) takes ``source``'s ``id``, every other column a parameter cast to its type."""
    quote = connection.ops.quote_name
    fields = _insert_fields(model, linked=linked)
    columns = [quote(f.column) for f in fields]
    values = [f"CAST(%s AS {f.db_type(connection)})" for f in fields]
    if linked is not None:
        columns.append(quote(model._meta.get_field(linked).column))
        values.append(f"{source}.{quote('id')}")
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {source} RETURNING {quote('id')}"
    )


_PAIR_STATEMENTS: dict[tuple[str, bool], str] = {}


def _pair_statement(connection: Any, *, rotating: bool) -> str:
    key = (connection.alias, rotating)
    sql = _PAIR_STATEMENTS.get(key)
    if sql is not None:
        return sql
    quote = connection.ops.quote_name
    if rotating:
        table = quote(RefreshToken._meta.db_table)
        spent = (
            # Identifiers only, from the models' metadata; every value is a parameter.
            f"spent AS (UPDATE {table} SET {quote('revoked')} = %s, {quote('updated')} = %s, "  # noqa: S608
            f"{quote('access_token_id')} = NULL WHERE {quote('id')} = %s "
            f"AND {quote('revoked')} IS NULL RETURNING {quote('id')}), "
            f"gone AS (DELETE FROM {quote(AccessToken._meta.db_table)} "
            f"WHERE {quote('id')} = %s AND EXISTS (SELECT 1 FROM spent)), "
        )
    else:
        table = quote(Grant._meta.db_table)
        spent = (
            f"spent AS (UPDATE {table} SET {quote('consumed_at')} = %s, {quote('updated')} = %s "  # noqa: S608
            f"WHERE {quote('id')} = %s AND {quote('consumed_at')} IS NULL "
            f"RETURNING {quote('id')}), "
        )
    access = _insert(connection, AccessToken, source="spent", linked=None)
    refresh = _insert(connection, RefreshToken, source="access", linked="access_token_id")
    sql = _PAIR_STATEMENTS[key] = (
        f"WITH {spent}access AS ({access}), refresh AS ({refresh}) "  # noqa: S608
        "SELECT access.id, refresh.id FROM access, refresh"
    )
    return sql


def _values(connection: Any, row: Model, *, linked: str | None) -> list[Any]:
    # As Django's INSERT would send them: ``pre_save`` (times, the token's checksum),
    # then the database's form of each value.
    return [
        f.get_db_prep_save(f.pre_save(row, True), connection=connection)
        for f in _insert_fields(type(row), linked=linked)
    ]


def pair_write(
    *,
    spend: Grant | RefreshToken,
    access_token: AccessToken,
    refresh_token: RefreshToken,
    using: str,
) -> bool:
    """Spend the code ``spend`` (or rotate the refresh token ``spend`` out, deleting its
    access token) and insert ``access_token`` and ``refresh_token`` (the latter issued
    with the former), in one statement. True when this call spent it, and the two rows
    are saved; False when it was already spent (a replay, a concurrent request that won),
    and nothing is written. PostgreSQL only (``pair_written_together``)."""
    connection = connections[using]
    rotating = isinstance(spend, RefreshToken)
    now = timezone.now()
    params: list[Any] = [now, now, spend.pk]
    if rotating:
        params.append(spend.access_token_id)
    params += _values(connection, access_token, linked=None)
    params += _values(connection, refresh_token, linked="access_token_id")
    # Through the lookups' cursor: with a prepare threshold, prepared once per connection.
    cursor = lookup_cursor(connection)
    try:
        cursor.execute(_pair_statement(connection, rotating=rotating), params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return False
    for saved, pk in ((access_token, row[0]), (refresh_token, row[1])):
        saved.pk = pk
        saved._state.adding = False
        saved._state.db = using
    refresh_token.access_token = access_token
    if rotating:
        spend.revoked = now
        spend.access_token = None
    else:
        spend.consumed_at = now
    return True
