"""The scope rules as pure functions: precedence, access checks and scope comparison.

No ORM, no request. Every function takes the catalog explicitly or uses the one in force.

Precedence (from the marketplace's published rules):

1. Same scope, different levels: ``crm.accounts:read`` with ``crm.accounts:full`` counts
   once, at ``full``.
2. General and specific together: a module scope with a narrower scope of the same module
   (``crm`` with ``crm.accounts``) counts alone; the narrower one is ignored whatever its
   level. ``users`` is the general form of ``user.me``.

The result is canonical: sorted ``code:level`` strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from apps.scopes.catalog import Catalog, Level, get_catalog

_LEVELS = frozenset(level.value for level in Level)


class UnknownScope(ValueError):
    """A scope string names a code or a level the catalog does not know."""


@dataclass(frozen=True, order=True)
class ScopeGrant:
    """One scope at one level, e.g. ``crm.accounts:read``."""

    code: str
    level: Level

    def __str__(self) -> str:
        return f"{self.code}:{self.level}"


class DropReason(StrEnum):
    SAME_CODE = "same_code"
    MODULE_SCOPE = "module_scope"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Dropped:
    """A declared scope that precedence ignores, the scope that wins, and why."""

    declared: ScopeGrant
    kept: ScopeGrant
    reason: DropReason

    @property
    def message(self) -> str:
        if self.reason is DropReason.DUPLICATE:
            return f"{self.declared} is declared more than once; the repetition is ignored."
        if self.reason is DropReason.SAME_CODE:
            return (
                f"{self.declared} is ignored: {self.kept} is also declared and full access "
                "includes read."
            )
        return (
            f"{self.declared} is ignored: the module scope {self.kept} is also declared, and "
            f"when a module scope and a narrower scope of the same module are both declared "
            f"only the module scope counts, whatever the levels. Declare {self.kept.code} at "
            f"the level you need, or drop it and keep {self.declared.code}."
        )


@dataclass(frozen=True)
class Precedence:
    effective: tuple[ScopeGrant, ...]
    dropped: tuple[Dropped, ...]

    @property
    def strings(self) -> tuple[str, ...]:
        return tuple(str(grant) for grant in self.effective)


def parse_scope(value: str, *, catalog: Catalog | None = None) -> ScopeGrant:
    """``"crm.accounts:read"`` as a ``ScopeGrant``. Raises ``UnknownScope``."""
    catalog = catalog or get_catalog()
    code, sep, level = value.partition(":")
    if not sep or code not in catalog.scopes or level not in _LEVELS:
        raise UnknownScope(f"Unknown scope {value!r}: expected '<code>:read' or '<code>:full'.")
    return ScopeGrant(code=code, level=Level(level))


def _grant(item: ScopeGrant | str, catalog: Catalog) -> ScopeGrant:
    """A grant from a grant or a string, its code known to ``catalog``; else
    ``UnknownScope``."""
    if isinstance(item, ScopeGrant):
        if item.code not in catalog.scopes:
            raise UnknownScope(f"Unknown scope code {item.code!r}.")
        return item
    return parse_scope(item, catalog=catalog)


def parse_scopes(values: Iterable[str], *, catalog: Catalog | None = None) -> list[ScopeGrant]:
    """Parse every string; raises ``UnknownScope`` for the first unknown one."""
    catalog = catalog or get_catalog()
    return [parse_scope(value, catalog=catalog) for value in values]


def scope_precedence(
    declared: Iterable[ScopeGrant | str], *, catalog: Catalog | None = None
) -> Precedence:
    """The effective scopes of ``declared``, and each declared scope that was dropped.

    Order and repetition of ``declared`` do not change the effective scopes. Applying the
    rules to their own result changes nothing. Raises ``UnknownScope`` for a code or level
    not in the catalog.
    """
    catalog = catalog or get_catalog()
    grants = [_grant(g, catalog) for g in declared]

    dropped: list[Dropped] = []
    seen: set[ScopeGrant] = set()
    best: dict[str, Level] = {}
    for grant in grants:
        if grant in seen:
            dropped.append(Dropped(grant, grant, DropReason.DUPLICATE))
            continue
        seen.add(grant)
        if grant.level.rank > best.get(grant.code, Level.READ).rank or grant.code not in best:
            best[grant.code] = grant.level

    # Rule 1: one level per code, the highest.
    for grant in sorted(seen):
        if best[grant.code] is not grant.level:
            dropped.append(
                Dropped(grant, ScopeGrant(grant.code, best[grant.code]), DropReason.SAME_CODE)
            )

    # Rule 2: a module scope silences every narrower scope of its module.
    effective: list[ScopeGrant] = []
    for code, level in best.items():
        scope = catalog.scopes[code]
        module_level = best.get(scope.module) if not scope.is_module else None
        if module_level is not None:
            kept = ScopeGrant(scope.module, module_level)
            for grant in sorted(seen):
                if grant.code == code:
                    dropped.append(Dropped(grant, kept, DropReason.MODULE_SCOPE))
        else:
            effective.append(ScopeGrant(code, level))

    effective.sort(key=str)
    dropped = _unique(dropped)
    return Precedence(effective=tuple(effective), dropped=tuple(dropped))


def _unique(dropped: list[Dropped]) -> list[Dropped]:
    """One entry per declared scope (plus its repetition, if any): the module rule
    explains more than the level rule."""
    rank = {DropReason.DUPLICATE: 0, DropReason.SAME_CODE: 1, DropReason.MODULE_SCOPE: 2}
    kept: dict[tuple[ScopeGrant, bool], Dropped] = {}
    for entry in dropped:
        key = (entry.declared, entry.reason is DropReason.DUPLICATE)
        current = kept.get(key)
        if current is None or rank[entry.reason] > rank[current.reason]:
            kept[key] = entry
    return sorted(kept.values(), key=lambda d: (str(d.declared), d.reason))


def effective_scopes(
    declared: Iterable[ScopeGrant | str], *, catalog: Catalog | None = None
) -> tuple[str, ...]:
    """The canonical effective scopes of ``declared``: sorted ``code:level`` strings."""
    return scope_precedence(declared, catalog=catalog).strings


@dataclass(frozen=True)
class ModelAccess:
    """What a set of scopes gives on one model: a level, and whether only the current
    user's own record is reachable (``user.me``)."""

    level: Level
    self_only: bool


def model_access(
    scopes: Iterable[ScopeGrant | str], *, model: str, catalog: Catalog | None = None
) -> ModelAccess | None:
    """The widest access ``scopes`` give on ``model``, or ``None`` when they give none.

    Unrestricted access outranks self-only access at any level; among equals the higher
    level wins. Pass effective scopes: on a raw declared list that precedence would trim
    (``users:read`` with ``user.me:full``) the answer covers both entries.
    """
    catalog = catalog or get_catalog()
    best: ModelAccess | None = None
    for item in scopes:
        grant = _grant(item, catalog)
        if model not in catalog.scope_models(grant.code):
            continue
        candidate = ModelAccess(level=grant.level, self_only=catalog.scopes[grant.code].self_only)
        if best is None or _access_key(candidate) > _access_key(best):
            best = candidate
    return best


def _access_key(access: ModelAccess) -> tuple[int, int]:
    return (0 if access.self_only else 1, access.level.rank)


def scopes_allow(
    scopes: Iterable[ScopeGrant | str],
    *,
    model: str,
    level: Level | str,
    current_user_only: bool = False,
    catalog: Catalog | None = None,
) -> bool:
    """Whether ``scopes`` allow ``level`` on ``model``.

    ``current_user_only`` says the request touches only the authorized user's own record;
    then a self-only scope (``user.me``) suffices. Otherwise only an unrestricted scope
    does. ``full`` includes ``read``.
    """
    catalog = catalog or get_catalog()
    needed = Level(level)
    best_any = best_self = 0
    for item in scopes:
        grant = _grant(item, catalog)
        if model not in catalog.scope_models(grant.code):
            continue
        if catalog.scopes[grant.code].self_only:
            best_self = max(best_self, grant.level.rank)
        else:
            best_any = max(best_any, grant.level.rank)
    if best_any >= needed.rank:
        return True
    return current_user_only and best_self >= needed.rank


def scopes_needed_for(
    *, model: str, level: Level | str, catalog: Catalog | None = None
) -> tuple[str, ...]:
    """The unrestricted scopes that would allow ``level`` on ``model``, module scope first;
    for messages that tell a developer what to declare."""
    catalog = catalog or get_catalog()
    return tuple(
        f"{scope.code}:{Level(level)}"
        for scope in catalog.scopes_covering(model)
        if not scope.self_only
    )


def scopes_exceeding(
    new: Iterable[ScopeGrant | str],
    old: Iterable[ScopeGrant | str],
    *,
    catalog: Catalog | None = None,
) -> tuple[str, ...]:
    """The scopes of ``new`` that reach something ``old`` does not allow.

    Empty means ``old`` already covers ``new``: moving from ``old`` to ``new`` needs no new
    consent. Compared model by model, so ``crm:full`` covers ``crm.accounts:read`` and
    ``users:read`` covers ``user.me:read``.
    """
    catalog = catalog or get_catalog()
    old_grants = [_grant(g, catalog) for g in old]
    exceeding = []
    for item in new:
        grant = _grant(item, catalog)
        self_only = catalog.scopes[grant.code].self_only
        for model in catalog.scope_models(grant.code):
            if not scopes_allow(
                old_grants,
                model=model,
                level=grant.level,
                current_user_only=self_only,
                catalog=catalog,
            ):
                exceeding.append(str(grant))
                break
    return tuple(sorted(set(exceeding)))


@dataclass(frozen=True)
class LevelChange:
    code: str
    old: Level
    new: Level

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "from": str(self.old), "to": str(self.new)}


@dataclass(frozen=True)
class ScopeDiff:
    """How two sets of effective scopes differ, code by code."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    raised: tuple[LevelChange, ...]
    lowered: tuple[LevelChange, ...]
    exceeding: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.raised or self.lowered)

    @property
    def needs_consent(self) -> bool:
        """The new scopes reach something the old ones did not."""
        return bool(self.exceeding)


def scope_diff(
    old: Iterable[ScopeGrant | str],
    new: Iterable[ScopeGrant | str],
    *,
    catalog: Catalog | None = None,
) -> ScopeDiff:
    """Compare the effective scopes of ``old`` and ``new`` (precedence applied to both)."""
    catalog = catalog or get_catalog()
    before = {g.code: g.level for g in scope_precedence(old, catalog=catalog).effective}
    after = scope_precedence(new, catalog=catalog).effective
    after_levels = {g.code: g.level for g in after}
    raised, lowered = [], []
    for code in sorted(before.keys() & after_levels.keys()):
        if after_levels[code].rank > before[code].rank:
            raised.append(LevelChange(code, before[code], after_levels[code]))
        elif after_levels[code].rank < before[code].rank:
            lowered.append(LevelChange(code, before[code], after_levels[code]))
    return ScopeDiff(
        added=tuple(f"{c}:{after_levels[c]}" for c in sorted(after_levels.keys() - before.keys())),
        removed=tuple(f"{c}:{before[c]}" for c in sorted(before.keys() - after_levels.keys())),
        raised=tuple(raised),
        lowered=tuple(lowered),
        exceeding=scopes_exceeding(
            after, [ScopeGrant(c, lv) for c, lv in before.items()], catalog=catalog
        ),
    )


def scope_phrase(grant: ScopeGrant | str, *, catalog: Catalog | None = None) -> str:
    """The scope in plain words for a consent screen, e.g. 'View CRM deals and their items'."""
    catalog = catalog or get_catalog()
    grant = _grant(grant, catalog)
    description = catalog.scopes[grant.code].description
    verb = "View" if grant.level is Level.READ else "View, create, change and delete"
    return f"{verb} {description}"
