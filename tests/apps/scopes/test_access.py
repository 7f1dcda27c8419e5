"""What scopes allow on a model, which scopes a request needs, and how two sets of scopes
compare: what exceeds the old ones (new consent) and what was added, removed, raised or
lowered."""

import pytest

from apps.scopes.catalog import Level, build_catalog
from apps.scopes.policies import (
    LevelChange,
    ModelAccess,
    ScopeDiff,
    ScopeGrant,
    UnknownScope,
    model_access,
    scope_diff,
    scope_phrase,
    scopes_allow,
    scopes_exceeding,
    scopes_needed_for,
)

READ, FULL = Level.READ, Level.FULL


def case_id(value) -> str | None:
    """Readable ids: scope lists joined by '+', access as 'read' or 'full-own-record'."""
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value) or "nothing"
    if isinstance(value, ModelAccess):
        return f"{value.level}{'-own-record' if value.self_only else ''}"
    if value is None:
        return "no-access"
    return str(value)


# --- scopes_allow ----------------------------------------------------------------------------

ALLOW = [
    # full includes read; read does not give full
    (["crm:full"], "crm.account", READ, False, True),
    (["crm:full"], "crm.account", FULL, False, True),
    (["crm:read"], "crm.account", READ, False, True),
    (["crm:read"], "crm.account", FULL, False, False),
    (["crm.accounts:read"], "crm.contact", READ, False, True),
    (["crm.accounts:read"], "crm.contact", FULL, False, False),
    (["crm.accounts:full"], "crm.email", FULL, False, True),
    # narrower scopes cover their models only
    (["crm.deals:full"], "crm.account", READ, False, False),
    (["crm.deals:full"], "crm.leadsitems", FULL, False, True),
    (["crm.accounts:full"], "crm.leads", READ, False, False),
    (["crm.accounts:full", "crm.deals:full"], "crm.pipeline", READ, False, False),
    (["fin.invoices:full"], "fin.itemsrelation", FULL, False, True),
    (["fin.invoices:full"], "fin.transaction", READ, False, False),
    # a module scope covers every model of its module, and no other module
    (["crm:read"], "crm.pipeline", READ, False, True),
    (["crm:read"], "crm.leadsitems", READ, False, True),
    (["fin:full"], "fin.bankaccount", FULL, False, True),
    (["crm:full"], "fin.invoices", READ, False, False),
    (["customlists:read"], "customlists.item", READ, False, True),
    # user.me only for the current user's own record; users either way
    (["user.me:read"], "users.user", READ, True, True),
    (["user.me:read"], "users.user", READ, False, False),
    (["user.me:read"], "users.user", FULL, True, False),
    (["user.me:full"], "users.user", FULL, True, True),
    (["user.me:full"], "users.user", FULL, False, False),
    (["users:read"], "users.user", READ, True, True),
    (["users:read"], "users.user", READ, False, True),
    (["users:read"], "users.user", FULL, True, False),
    (["users:read", "user.me:full"], "users.user", FULL, True, True),
    (["users:read", "user.me:full"], "users.user", FULL, False, False),
    (["users:full"], "users.user", FULL, False, True),
    # the best of several scopes counts
    (["crm.deals:read", "crm:full"], "crm.leads", FULL, False, True),
    (["crm.accounts:read", "crm.accounts:full"], "crm.account", FULL, False, True),
    # nothing, or a model nobody covers
    ([], "crm.account", READ, False, False),
    ([], "users.user", READ, True, False),
    (["crm:full"], "crm.nope", READ, False, False),
    (["crm:full", "users:full"], "nope", READ, True, False),
]


def allow_id(scopes, model, level, current_user_only, allowed) -> str:
    own = "-own-record" if current_user_only else ""
    return f"{'+'.join(scopes) or 'nothing'}-{level}-{model}{own}-{'yes' if allowed else 'no'}"


@pytest.mark.parametrize(
    "scopes, model, level, current_user_only, allowed",
    [pytest.param(*row, id=allow_id(*row)) for row in ALLOW],
)
def test_scopes_allow(scopes, model, level, current_user_only, allowed):
    assert (
        scopes_allow(scopes, model=model, level=level, current_user_only=current_user_only)
        is allowed
    )
    assert (
        scopes_allow(
            [ScopeGrant(s.split(":")[0], Level(s.split(":")[1])) for s in scopes],
            model=model,
            level=str(level),
            current_user_only=current_user_only,
        )
        is allowed
    )


def test_scopes_allow_refuses_an_unknown_scope():
    with pytest.raises(UnknownScope):
        scopes_allow(["crm:write"], model="crm.account", level=READ)


def test_scopes_allow_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="'write'"):
        scopes_allow(["crm:full"], model="crm.account", level="write")


# --- model_access ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scopes, model, access",
    [
        (["crm:read"], "crm.account", ModelAccess(READ, self_only=False)),
        (["crm.accounts:full"], "crm.account", ModelAccess(FULL, self_only=False)),
        (["crm.accounts:read", "crm:full"], "crm.account", ModelAccess(FULL, self_only=False)),
        (["crm.accounts:full", "crm:read"], "crm.account", ModelAccess(FULL, self_only=False)),
        (["crm.deals:full"], "crm.account", None),
        (["fin:full"], "crm.account", None),
        (["user.me:read"], "users.user", ModelAccess(READ, self_only=True)),
        (["user.me:full"], "users.user", ModelAccess(FULL, self_only=True)),
        (["users:read"], "users.user", ModelAccess(READ, self_only=False)),
        # unrestricted outranks self-only at any level
        (["user.me:full", "users:read"], "users.user", ModelAccess(READ, self_only=False)),
        ([], "crm.account", None),
        (["crm:full"], "crm.nope", None),
    ],
    ids=case_id,
)
def test_model_access(scopes, model, access):
    assert model_access(scopes, model=model) == access


# --- scopes_needed_for -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, level, needed",
    [
        ("crm.account", READ, ("crm:read", "crm.accounts:read")),
        ("crm.email", FULL, ("crm:full", "crm.accounts:full")),
        ("crm.leads", "read", ("crm:read", "crm.deals:read")),
        ("crm.pipeline", READ, ("crm:read",)),
        ("fin.items", FULL, ("fin:full", "fin.invoices:full")),
        ("fin.transaction", READ, ("fin:read",)),
        ("users.user", READ, ("users:read",)),
        ("users.user", FULL, ("users:full",)),
        ("task.task", READ, ("task:read",)),
        ("crm.nope", READ, ()),
        ("nope", FULL, ()),
    ],
    ids=case_id,
)
def test_scopes_needed_for(model, level, needed):
    assert scopes_needed_for(model=model, level=level) == needed


def test_scopes_needed_for_names_scopes_that_allow_the_request():
    catalog = build_catalog()
    for model in catalog.models:
        for level in Level:
            needed = scopes_needed_for(model=model, level=level)
            assert needed
            assert needed[0] == f"{catalog.module_of_model(model)}:{level}"
            assert all(not scope.startswith("user.me:") for scope in needed)
            for scope in needed:
                assert scopes_allow([scope], model=model, level=level)


# --- scopes_exceeding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "new, old, exceeding",
    [
        (["crm.accounts:read"], ["crm:full"], ()),
        (["crm.accounts:full"], ["crm:full"], ()),
        (["crm.accounts:full"], ["crm:read"], ("crm.accounts:full",)),
        (["crm:read"], ["crm.accounts:full", "crm.deals:full"], ("crm:read",)),
        (["crm.deals:read"], ["crm.accounts:full"], ("crm.deals:read",)),
        (["user.me:read"], ["users:read"], ()),
        (["user.me:full"], ["users:read"], ("user.me:full",)),
        (["user.me:full"], ["users:full"], ()),
        (["users:read"], ["user.me:read"], ("users:read",)),
        (["users:read"], ["user.me:full"], ("users:read",)),
        (["crm:read"], ["crm:full"], ()),
        (["crm:full"], ["crm:read"], ("crm:full",)),
        ([], ["crm:full"], ()),
        (["task:read"], [], ("task:read",)),
        (
            ["task:read", "crm.accounts:read", "fin:full", "task:read"],
            ["crm:read", "fin.invoices:full"],
            ("fin:full", "task:read"),
        ),
    ],
    ids=case_id,
)
def test_scopes_exceeding(new, old, exceeding):
    assert scopes_exceeding(new, old) == exceeding


# --- scope_diff ------------------------------------------------------------------------------


def diff(added=(), removed=(), raised=(), lowered=(), exceeding=()) -> ScopeDiff:
    return ScopeDiff(
        added=tuple(added),
        removed=tuple(removed),
        raised=tuple(LevelChange(code, Level(a), Level(b)) for code, a, b in raised),
        lowered=tuple(LevelChange(code, Level(a), Level(b)) for code, a, b in lowered),
        exceeding=tuple(exceeding),
    )


DIFFS = [
    pytest.param([], [], diff(), id="nothing"),
    pytest.param(["crm:read"], ["crm:read"], diff(), id="same"),
    pytest.param(
        ["crm.accounts:read"],
        ["crm.accounts:full"],
        diff(raised=[("crm.accounts", "read", "full")], exceeding=["crm.accounts:full"]),
        id="raised",
    ),
    pytest.param(
        ["crm.accounts:full"],
        ["crm.accounts:read"],
        diff(lowered=[("crm.accounts", "full", "read")]),
        id="lowered",
    ),
    pytest.param(
        ["crm:read"],
        ["crm:read", "task:read"],
        diff(added=["task:read"], exceeding=["task:read"]),
        id="added",
    ),
    pytest.param(
        ["crm:read", "task:read"], ["crm:read"], diff(removed=["task:read"]), id="removed"
    ),
    pytest.param(
        ["crm:full"],
        ["crm.accounts:read"],
        diff(added=["crm.accounts:read"], removed=["crm:full"]),
        id="module-to-narrower-needs-no-consent",
    ),
    pytest.param(
        ["crm.accounts:read"],
        ["crm:read"],
        diff(added=["crm:read"], removed=["crm.accounts:read"], exceeding=["crm:read"]),
        id="narrower-to-module-needs-consent",
    ),
    pytest.param(
        ["users:read"],
        ["user.me:read"],
        diff(added=["user.me:read"], removed=["users:read"]),
        id="users-to-user.me-needs-no-consent",
    ),
    pytest.param(
        ["user.me:read"],
        ["users:read"],
        diff(added=["users:read"], removed=["user.me:read"], exceeding=["users:read"]),
        id="user.me-to-users-needs-consent",
    ),
    # declared-but-overridden scopes are not changes
    pytest.param(["crm:read"], ["crm:read", "crm.accounts:full"], diff(), id="overridden-added"),
    pytest.param(
        ["crm:read", "crm.deals:full", "crm.deals:read"], ["crm:read"], diff(), id="overridden-gone"
    ),
    pytest.param(
        ["crm.accounts:read"], ["crm.accounts:read", "crm.accounts:read"], diff(), id="duplicate"
    ),
    pytest.param(
        ["crm.accounts:read", "crm.accounts:full"],
        ["crm.accounts:full"],
        diff(),
        id="same-code-overridden",
    ),
    pytest.param(
        ["users:read", "user.me:full"],
        ["users:read"],
        diff(),
        id="user.me-overridden-by-users",
    ),
    pytest.param(
        ["crm.accounts:read", "fin:full", "task:read", "users:read"],
        ["crm.accounts:full", "fin:read", "agile:read", "user.me:full", "crm.accounts:read"],
        diff(
            added=["agile:read", "user.me:full"],
            removed=["task:read", "users:read"],
            raised=[("crm.accounts", "read", "full")],
            lowered=[("fin", "full", "read")],
            exceeding=["agile:read", "crm.accounts:full", "user.me:full"],
        ),
        id="everything",
    ),
]


@pytest.mark.parametrize("old, new, expected", DIFFS)
def test_scope_diff(old, new, expected):
    result = scope_diff(old, new)

    assert result == expected
    assert result.changed is bool(
        expected.added or expected.removed or expected.raised or expected.lowered
    )
    assert result.needs_consent is bool(expected.exceeding)


def test_level_change_as_dict():
    assert LevelChange("crm.accounts", READ, FULL).as_dict() == {
        "code": "crm.accounts",
        "from": "read",
        "to": "full",
    }


# --- scope_phrase ----------------------------------------------------------------------------


PHRASES = [
    ("crm.deals:read", "View CRM deals and their items"),
    ("crm.deals:full", "View, create, change and delete CRM deals and their items"),
    ("users:read", "View the account's users and their profiles"),
    (
        "user.me:full",
        "View, create, change and delete your own user profile (only the user who "
        "authorized the app)",
    ),
    (ScopeGrant("task", Level.READ), "View tasks, their checklists and comments"),
    (
        ScopeGrant("fin.invoices", Level.FULL),
        "View, create, change and delete invoices, their items and the links between them",
    ),
]


@pytest.mark.parametrize(
    "grant, phrase", [pytest.param(grant, phrase, id=str(grant)) for grant, phrase in PHRASES]
)
def test_scope_phrase(grant, phrase):
    assert scope_phrase(grant) == phrase


def test_scope_phrase_refuses_an_unknown_scope():
    with pytest.raises(UnknownScope):
        scope_phrase("crm:write")
