"""Scope precedence, as the published rules state it:

1. Same scope, different levels: only the higher level (full) is used.
2. General and specific together: a module scope with a narrower scope of the same module
   is used alone, whatever the levels; ``users`` is the general form of ``user.me``.

The result is canonical (sorted ``code:level`` strings) and every ignored declaration is
reported with the scope that wins and why.
"""

import pytest

from apps.scopes.catalog import Level
from apps.scopes.policies import (
    Dropped,
    DropReason,
    ScopeGrant,
    UnknownScope,
    effective_scopes,
    parse_scope,
    parse_scopes,
    scope_precedence,
)

DUP = DropReason.DUPLICATE
SAME = DropReason.SAME_CODE
MODULE = DropReason.MODULE_SCOPE

# declared, effective, dropped as (declared, kept, reason)
CASES = [
    pytest.param([], (), [], id="empty"),
    pytest.param(["crm:read"], ("crm:read",), [], id="one-scope"),
    pytest.param(["user.me:read"], ("user.me:read",), [], id="user.me-alone"),
    # rule 1: same code, different levels
    pytest.param(
        ["crm.accounts:read", "crm.accounts:full"],
        ("crm.accounts:full",),
        [("crm.accounts:read", "crm.accounts:full", SAME)],
        id="same-code-read-then-full",
    ),
    pytest.param(
        ["crm.accounts:full", "crm.accounts:read"],
        ("crm.accounts:full",),
        [("crm.accounts:read", "crm.accounts:full", SAME)],
        id="same-code-full-then-read",
    ),
    pytest.param(
        ["task:read", "task:full", "fin:full", "fin:read"],
        ("fin:full", "task:full"),
        [("fin:read", "fin:full", SAME), ("task:read", "task:full", SAME)],
        id="same-code-in-two-modules",
    ),
    # rule 2: module scope with a narrower scope of the same module
    pytest.param(
        ["crm:read", "crm.accounts:read"],
        ("crm:read",),
        [("crm.accounts:read", "crm:read", MODULE)],
        id="module-read-narrower-read",
    ),
    pytest.param(
        ["crm:read", "crm.accounts:full"],
        ("crm:read",),
        [("crm.accounts:full", "crm:read", MODULE)],
        id="module-read-beats-narrower-full",
    ),
    pytest.param(
        ["crm:full", "crm.accounts:read"],
        ("crm:full",),
        [("crm.accounts:read", "crm:full", MODULE)],
        id="module-full-narrower-read",
    ),
    pytest.param(
        ["crm.accounts:full", "crm:read"],
        ("crm:read",),
        [("crm.accounts:full", "crm:read", MODULE)],
        id="narrower-declared-first",
    ),
    pytest.param(
        ["fin.invoices:full", "fin:read"],
        ("fin:read",),
        [("fin.invoices:full", "fin:read", MODULE)],
        id="fin-module-beats-fin.invoices",
    ),
    pytest.param(
        ["crm:read", "crm.accounts:full", "crm.deals:read"],
        ("crm:read",),
        [("crm.accounts:full", "crm:read", MODULE), ("crm.deals:read", "crm:read", MODULE)],
        id="several-narrower-under-one-module",
    ),
    pytest.param(
        ["users:read", "user.me:full"],
        ("users:read",),
        [("user.me:full", "users:read", MODULE)],
        id="users-beats-user.me-full",
    ),
    pytest.param(
        ["user.me:read", "users:full"],
        ("users:full",),
        [("user.me:read", "users:full", MODULE)],
        id="users-full-beats-user.me-read",
    ),
    # no overlap: everything is kept
    pytest.param(
        ["fin.invoices:full", "crm.accounts:read"],
        ("crm.accounts:read", "fin.invoices:full"),
        [],
        id="narrower-of-different-modules-kept",
    ),
    pytest.param(
        ["crm.accounts:read", "crm.deals:full"],
        ("crm.accounts:read", "crm.deals:full"),
        [],
        id="two-narrower-of-one-module-without-it-kept",
    ),
    pytest.param(
        ["crm.accounts:read", "fin:full", "user.me:read", "task:read"],
        ("crm.accounts:read", "fin:full", "task:read", "user.me:read"),
        [],
        id="module-scope-of-another-module-silences-nothing",
    ),
    pytest.param(
        ["crm:full", "crm.accounts:read", "fin.invoices:read"],
        ("crm:full", "fin.invoices:read"),
        [("crm.accounts:read", "crm:full", MODULE)],
        id="module-silences-only-its-own-narrower",
    ),
    # duplicates count once
    pytest.param(
        ["crm:read", "crm:read"],
        ("crm:read",),
        [("crm:read", "crm:read", DUP)],
        id="duplicate",
    ),
    pytest.param(
        ["crm:read", "crm:read", "crm:read"],
        ("crm:read",),
        [("crm:read", "crm:read", DUP)],
        id="triplicate-reported-once",
    ),
    pytest.param(
        ["crm.accounts:full", "crm.accounts:read", "crm.accounts:full"],
        ("crm.accounts:full",),
        [
            ("crm.accounts:full", "crm.accounts:full", DUP),
            ("crm.accounts:read", "crm.accounts:full", SAME),
        ],
        id="duplicate-and-same-code",
    ),
    # both rules together
    pytest.param(
        ["crm.accounts:read", "crm.accounts:full", "crm:read"],
        ("crm:read",),
        [
            ("crm.accounts:full", "crm:read", MODULE),
            ("crm.accounts:read", "crm:read", MODULE),
        ],
        id="same-code-under-module-scope",
    ),
    pytest.param(
        ["crm:read", "crm:full", "crm.accounts:full"],
        ("crm:full",),
        [("crm.accounts:full", "crm:full", MODULE), ("crm:read", "crm:full", SAME)],
        id="module-scope-at-two-levels",
    ),
    pytest.param(
        ["crm.accounts:read", "crm.accounts:read", "crm:full"],
        ("crm:full",),
        [
            ("crm.accounts:read", "crm.accounts:read", DUP),
            ("crm.accounts:read", "crm:full", MODULE),
        ],
        id="duplicate-under-module-scope",
    ),
    pytest.param(
        [
            "user.me:full",
            "crm.deals:full",
            "users:read",
            "crm.deals:read",
            "fin.invoices:read",
            "crm:read",
            "users:read",
            "fin.invoices:full",
            "crm:full",
        ],
        ("crm:full", "fin.invoices:full", "users:read"),
        [
            ("crm.deals:full", "crm:full", MODULE),
            ("crm.deals:read", "crm:full", MODULE),
            ("crm:read", "crm:full", SAME),
            ("fin.invoices:read", "fin.invoices:full", SAME),
            ("user.me:full", "users:read", MODULE),
            ("users:read", "users:read", DUP),
        ],
        id="everything-at-once",
    ),
    # canonical order
    pytest.param(
        ["users:read", "agile:full", "fin.invoices:read", "crm.deals:read", "calendar:full"],
        ("agile:full", "calendar:full", "crm.deals:read", "fin.invoices:read", "users:read"),
        [],
        id="sorted-output",
    ),
]


def as_tuples(dropped: tuple[Dropped, ...]) -> list[tuple[str, str, DropReason]]:
    return [(str(d.declared), str(d.kept), d.reason) for d in dropped]


@pytest.mark.parametrize("declared, effective, dropped", CASES)
def test_precedence(declared, effective, dropped):
    precedence = scope_precedence(declared)

    assert precedence.strings == effective
    assert as_tuples(precedence.dropped) == dropped
    assert effective_scopes(declared) == effective


@pytest.mark.parametrize("declared, effective, dropped", CASES)
def test_precedence_of_parsed_grants_is_the_same(declared, effective, dropped):
    precedence = scope_precedence(parse_scopes(declared))

    assert precedence.effective == tuple(parse_scope(s) for s in effective)
    assert as_tuples(precedence.dropped) == dropped


@pytest.mark.parametrize("declared, effective, dropped", CASES)
def test_each_message_names_the_ignored_scope_and_the_one_that_wins(declared, effective, dropped):
    for entry in scope_precedence(declared).dropped:
        assert str(entry.declared) in entry.message
        assert str(entry.kept) in entry.message
        if entry.reason is DUP:
            assert entry.kept == entry.declared
        else:
            assert str(entry.kept) in effective


@pytest.mark.parametrize(
    "declared, message",
    [
        (
            ["crm:read", "crm:read"],
            "crm:read is declared more than once; the repetition is ignored.",
        ),
        (
            ["crm.deals:read", "crm.deals:full"],
            "crm.deals:read is ignored: crm.deals:full is also declared and full access "
            "includes read.",
        ),
        (
            ["crm:read", "crm.accounts:full"],
            "crm.accounts:full is ignored: the module scope crm:read is also declared, and "
            "when a module scope and a narrower scope of the same module are both declared "
            "only the module scope counts, whatever the levels. Declare crm at the level you "
            "need, or drop it and keep crm.accounts.",
        ),
    ],
    ids=["duplicate", "same-code", "module-scope"],
)
def test_message(declared, message):
    (entry,) = scope_precedence(declared).dropped

    assert entry.message == message


def test_effective_scopes_are_grants_of_the_level_enum():
    (grant,) = scope_precedence(["crm.accounts:read", "crm.accounts:full"]).effective

    assert grant == ScopeGrant("crm.accounts", Level.FULL)
    assert grant.level is Level.FULL


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("crm:read", ScopeGrant("crm", Level.READ)),
        ("crm.accounts:full", ScopeGrant("crm.accounts", Level.FULL)),
        ("user.me:read", ScopeGrant("user.me", Level.READ)),
    ],
)
def test_parse_scope(value, expected):
    assert parse_scope(value) == expected
    assert str(parse_scope(value)) == value


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("nope:read", id="unknown-code"),
        pytest.param("crm.nope:read", id="unknown-narrower-code"),
        pytest.param("CRM:read", id="uppercase-code"),
        pytest.param("crm.account:read", id="model-not-scope"),
        pytest.param("crm:write", id="unknown-level"),
        pytest.param("crm:READ", id="uppercase-level"),
        pytest.param("crm:none", id="level-none"),
        pytest.param("crm:", id="empty-level"),
        pytest.param(":read", id="empty-code"),
        pytest.param("crm", id="missing-colon"),
        pytest.param("crm read", id="space-not-colon"),
        pytest.param("crm:read:full", id="two-colons"),
        pytest.param(" crm:read", id="leading-space"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_scope_refuses(value):
    with pytest.raises(UnknownScope) as excinfo:
        parse_scope(value)

    assert repr(value) in str(excinfo.value)


@pytest.mark.parametrize(
    "declared",
    [
        pytest.param(["crm:read", "crm:write"], id="unknown-level-string"),
        pytest.param(["crm:read", "nope:read"], id="unknown-code-string"),
        pytest.param([ScopeGrant("crm", Level.READ), ScopeGrant("nope", Level.READ)], id="grant"),
    ],
)
def test_precedence_refuses_unknown_scopes(declared):
    with pytest.raises(UnknownScope):
        scope_precedence(declared)


def test_parse_scopes_refuses_the_first_unknown_one():
    with pytest.raises(UnknownScope, match="'crm:write'"):
        parse_scopes(["crm:read", "crm:write", "nope:read"])
