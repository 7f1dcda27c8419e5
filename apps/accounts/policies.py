"""Pure rules about module access rights. No ORM, no request."""

from collections.abc import Mapping

from apps.accounts.models import AccessLevel, ModuleCode

MODULE_CODES: frozenset[str] = frozenset(ModuleCode.values)
LEVELS: tuple[str, ...] = (AccessLevel.NONE, AccessLevel.READ, AccessLevel.FULL)
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def rights_errors(rights: object) -> list[str]:
    """Every problem with a rights map, as messages naming the module; empty when valid."""
    if not isinstance(rights, Mapping):
        return ["Rights must be an object mapping module codes to none, read or full."]
    errors = []
    for module, level in rights.items():
        if module not in MODULE_CODES:
            errors.append(
                f"Unknown module '{module}'. Known modules: {', '.join(sorted(MODULE_CODES))}."
            )
        elif level not in _RANK:
            errors.append(f"Module '{module}': level must be none, read or full, not {level!r}.")
    return errors


def effective_rights(*, rights: Mapping[str, str] | None, is_admin: bool) -> dict[str, str]:
    """The level a member has on every module: admins have full everywhere.

    Modules missing from ``rights`` count as ``none``; unknown entries are ignored.
    """
    if is_admin:
        return dict.fromkeys(sorted(MODULE_CODES), AccessLevel.FULL.value)
    rights = rights or {}
    result: dict[str, str] = {}
    for module in sorted(MODULE_CODES):
        level = rights.get(module)
        result[module] = level if level in _RANK and level is not None else AccessLevel.NONE
    return result


def level_allows(*, granted: str, required: str) -> bool:
    """``full`` includes ``read``; ``none`` allows nothing."""
    if required == AccessLevel.NONE:
        return True
    return _RANK.get(granted, 0) >= _RANK[required]


def rights_allow(*, rights: Mapping[str, str], module: str, level: str) -> bool:
    """Whether effective ``rights`` give at least ``level`` on ``module``."""
    return level_allows(granted=rights.get(module, AccessLevel.NONE), required=level)
