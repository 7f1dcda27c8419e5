"""Reads of tokens: an access or refresh token with everything ``token_refusal`` and an
app endpoint need, in one query; and the token endpoint's reads of the code being
exchanged and the refresh token being rotated, with everything their grant checks and
issues from, in one query each (ORM querysets compiled once, ``apps.core.compiled``).

Every app request runs this lookup, so it is one SQL statement written once per process
(no ORM compilation per request), selecting only the columns the checks use, through
the request's own database connection. On PostgreSQL it is sent with server-side binding
so that psycopg prepares it after ``OPTIONS["prepare_threshold"]`` executions on each
connection (the ORM's own queries keep Django's client-side binding and are never
prepared); with the threshold unset (``None``: behind a transaction-pooling proxy that
cannot keep prepared statements) it is sent like any other query. See
docs/performance.md.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.db.models.base import ModelState
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_refresh_token_model,
)

from apps.accounts.models import Account, Membership, Role
from apps.core.compiled import CompiledLookup, run_lookup
from apps.installations.models import Installation, InstallationAccess
from apps.oauth.models import Application, Grant, RefreshToken
from apps.oauth.policies import (
    AppToken,
    TokenAccount,
    TokenInstallation,
    TokenMembership,
    TokenRole,
)

User = get_user_model()

# What the statement selects, in order: (table alias, column).
_COLUMNS = (
    ("t", "id"),
    ("t", "scope"),
    ("t", "expires"),
    ("a", "client_id"),
    ("a", "is_suspended"),
    ("u", "id"),
    ("u", "email"),
    ("u", "full_name"),
    ("u", "is_active"),
    ("i", "id"),
    ("i", "status"),
    ("i", "granted_scopes"),
    ("c", "id"),
    ("c", "slug"),
    ("c", "language"),
    ("c", "is_active"),
    ("m", "id"),
    ("m", "account_id"),
    ("m", "is_admin"),
    ("r", "name"),
    ("r", "rights"),
)


def token_checksum(raw: str) -> str:
    """What the token tables hold for the token ``raw``: its SHA-256, hex."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _statement(db: Any, *, refresh: bool) -> str:
    """The lookup of one token by its primary key (refresh) or checksum (access), with
    its application, user, installation, account, (active) membership and role, and
    whether the installation is for everyone or an access rule of it names the member's
    role or one of their groups.

    An access token carries its membership; a refresh token's is the user's membership of
    the installation's account."""
    q = db.ops.quote_name
    token_model = get_refresh_token_model() if refresh else get_access_token_model()
    # The token table goes by its own name, as in the ORM's queries.
    t = q(token_model._meta.db_table)
    groups = Membership._meta.get_field("groups").remote_field.through._meta  # type: ignore[union-attr]
    tables = {
        "a": get_application_model()._meta.db_table,
        "u": User._meta.db_table,
        "i": Installation._meta.db_table,
        "c": Account._meta.db_table,
        "m": Membership._meta.db_table,
        "r": Role._meta.db_table,
        "x": InstallationAccess._meta.db_table,
        "g": groups.db_table,
    }
    a, u, i, c, m, r, x, g = (q(alias) for alias in tables)
    table = {alias: f"{q(name)} {q(alias)}" for alias, name in tables.items()}
    # A deactivated membership counts as none: the member's tokens are refused.
    membership_on = (
        f"{m}.user_id = {t}.user_id AND {m}.account_id = {i}.account_id"
        if refresh
        else f"{m}.id = {t}.membership_id"
    ) + f" AND {m}.is_active"
    # A refresh token has no scope or expiry of its own that the checks read.
    columns = ", ".join(
        "NULL"
        if refresh and alias == "t" and column != "id"
        else f"{t if alias == 't' else q(alias)}.{q(column)}"
        for alias, column in _COLUMNS
    )
    # Identifiers only, from the models' metadata; the one value is a parameter.
    admitted = (
        f"({i}.access_everyone OR EXISTS(SELECT 1 FROM {table['x']} "  # noqa: S608
        f"WHERE {x}.installation_id = {t}.installation_id "
        f"AND ({x}.role_id = {m}.role_id OR {x}.group_id IN "
        f"(SELECT {g}.group_id FROM {table['g']} WHERE {g}.membership_id = {m}.id))))"
    )
    column = "id" if refresh else "token_checksum"
    return (
        f"SELECT {columns}, {admitted} FROM {t} "  # noqa: S608
        f"LEFT JOIN {table['a']} ON {a}.id = {t}.application_id "
        f"LEFT JOIN {table['u']} ON {u}.id = {t}.user_id "
        f"LEFT JOIN {table['i']} ON {i}.id = {t}.installation_id "
        f"LEFT JOIN {table['c']} ON {c}.id = {i}.account_id "
        f"LEFT JOIN {table['m']} ON {membership_on} "
        f"LEFT JOIN {table['r']} ON {r}.id = {m}.role_id "
        f"WHERE {t}.{column} = %(key)s"
    )


# The statements, written once per process and database vendor.
_STATEMENTS: dict[tuple[str, bool], str] = {}


def _sql(db: Any, *, refresh: bool) -> str:
    key = (db.vendor, refresh)
    sql = _STATEMENTS.get(key)
    if sql is None:
        sql = _STATEMENTS[key] = _statement(db, refresh=refresh)
    return sql


def _fetchone(cursor: Any) -> Any:
    return cursor.fetchone()


# Decoded JSON columns by their text: an installation's granted scopes and a role's
# rights are the same few values on every request.
_DECODED: dict[Any, Any] = {}


def _frozen(value: Any) -> Any:
    # Kept and shared between requests, and a key of the scope decisions: immutable.
    if isinstance(value, list):
        return tuple(value)
    return MappingProxyType(value) if isinstance(value, dict) else value


def _json(value: Any) -> Any:
    if not isinstance(value, str | bytes):  # a driver that decodes JSON itself
        return _frozen(value)
    decoded = _DECODED.get(value)
    if decoded is None:
        if len(_DECODED) > 10_000:
            _DECODED.clear()
        decoded = _DECODED[value] = _frozen(json.loads(value))
    return decoded


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        return value
    # ``value.replace(tzinfo=UTC)`` parses its keyword arguments, at three times the cost.
    return datetime.combine(value, value.time(), UTC)


def _user(alias: str, pk: int, email: str, full_name: str, is_active: bool) -> Any:
    # A ``User`` with the four columns the checks and answers use; any other field is
    # deferred (read on first access, as with ``.only()``). Built without ``__init__``,
    # which costs ten times more than the rest of the check.
    user = User.__new__(User)
    state = ModelState()
    state.db = alias
    state.adding = False
    user._state = state
    user.__dict__.update(id=pk, email=email, full_name=full_name, is_active=is_active)
    return user


# The token's named tuples are made with their fields in order, by position: a call by
# keyword costs half as much again, and one of each is made for every API request.


def _installation(values: tuple[Any, ...]) -> TokenInstallation | None:
    pk, status, granted, account_id, slug, language, account_active = values
    if pk is None:
        return None
    # TokenAccount(pk, slug, language, is_active); TokenInstallation(pk, status,
    # granted_scopes, account)
    account = TokenAccount(account_id, slug, language, bool(account_active))
    return TokenInstallation(pk, status, _json(granted) or (), account)


def _membership(values: tuple[Any, ...]) -> TokenMembership | None:
    pk, account_id, is_admin, role_name, rights, admitted = values
    if pk is None:
        return None
    # TokenRole(name, rights); TokenMembership(pk, account_id, is_admin, role,
    # admitted_by_rule)
    role = TokenRole(role_name, _json(rights) or {}) if role_name is not None else None
    return TokenMembership(pk, account_id, bool(is_admin), role, bool(admitted))


def _token(row: tuple[Any, ...], *, refresh: bool, alias: str) -> AppToken:
    # The columns in the order of ``_COLUMNS``, then the access rule's EXISTS.
    pk, scope, expires, client_id, suspended = row[:5]
    user_id, email, full_name, user_active = row[5:9]
    # AppToken(pk, scope, expires, client_id, app_suspended, user, installation,
    # membership)
    return AppToken(
        pk,
        scope or "",
        None if refresh else _aware(expires),
        client_id or "",
        client_id is None or bool(suspended),
        _user(alias, user_id, email, full_name, bool(user_active)) if user_id is not None else None,
        _installation(row[9:16]),
        _membership(row[16:22]),
    )


def _one(*, key: Any, refresh: bool) -> AppToken | None:
    db = connections[DEFAULT_DB_ALIAS]
    # A named parameter: Django's SQLite cursor rewrites ``%s`` placeholders with a
    # regular expression that costs more than the query on a statement this long.
    row = run_lookup(db, _sql(db, refresh=refresh), {"key": key}, _fetchone)
    return _token(row, refresh=refresh, alias=db.alias) if row is not None else None


def access_token_get_by_checksum(*, checksum: str) -> AppToken | None:
    """The access token whose SHA-256 checksum is ``checksum`` (the column tokens are
    stored by), with what ``token_refusal`` and an app endpoint need, in one query; or
    ``None`` when there is none (unknown, revoked or purged).

    Refuses nothing itself: ask ``token_refusal`` whether it may act."""
    return _one(key=checksum, refresh=False)


def refresh_token_facts_get(*, refresh_token_id: int) -> AppToken | None:
    """The refresh token ``refresh_token_id`` as ``token_refusal`` sees it (its user's
    membership of the installation's account), in one query; ``None`` when it is gone."""
    return _one(key=refresh_token_id, refresh=True)


# --- the token endpoint ----------------------------------------------------------------


_application_by_client_id: CompiledLookup[Application] = CompiledLookup(
    lambda client_id: Application.objects.filter(client_id=client_id).order_by()[:1]
)


def application_get_by_client_id(*, client_id: str) -> Application | None:
    """The OAuth client whose ``client_id`` is ``client_id``, or ``None``: what the token,
    revocation and introspection endpoints authenticate. One query, compiled once."""
    return _application_by_client_id.first(client_id)


def _with_member(queryset: QuerySet, *, user: str, account: str) -> QuerySet:  # type: ignore[type-arg]
    """``queryset`` with ``member``: the membership of the row's ``user`` in the account
    at ``account`` (a field path), joined rather than read apart."""
    return queryset.annotate(
        member=FilteredRelation(
            f"{user}__memberships",
            condition=Q(**{f"{user}__memberships__account_id": F(account)}),
        )
    )


_grant_by_digest: CompiledLookup[Grant] = CompiledLookup(
    lambda digest: (
        _with_member(
            Grant.objects.filter(code=digest), user="user", account="installation__account_id"
        )
        .select_related("installation__account", "user", "member")
        .order_by()[:1]
    )
)


def grant_get_for_exchange(*, digest: str, application_id: int) -> Grant | None:
    """The client's authorization code whose digest is ``digest``, with its installation
    and the installation's account (whether the installation is usable), user and the
    user's membership in that account (``member``, absent when there is none), or
    ``None`` (also for another client's code).

    Consumed and expired codes are returned too: the exchange tells a replay from an
    unknown code. One query, compiled once (``apps.core.compiled``).
    """
    grant = _grant_by_digest.first(digest)
    return grant if grant is not None and grant.application_id == application_id else None


def _refresh_tokens(checksum: str) -> QuerySet[RefreshToken]:
    return (
        RefreshToken.objects.filter(token_checksum=checksum)
        .select_related("access_token")
        .order_by(F("revoked").desc(nulls_first=True))[:1]
    )


_refresh_token_by_checksum: CompiledLookup[RefreshToken] = CompiledLookup(_refresh_tokens)


def refresh_token_get_for_rotation(*, checksum: str) -> RefreshToken | None:
    """The refresh token whose checksum is ``checksum`` (the live one; else the latest
    revoked, so a replay is recognised), with its access token (whose expiry and scope
    the grant reads), or ``None``. Whether it may act is ``token_refusal`` on
    ``refresh_token_facts_get``. One query, compiled once (``apps.core.compiled``).
    """
    return _refresh_token_by_checksum.first(checksum)
