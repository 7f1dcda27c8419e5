"""Pure rules about module access rights. No ORM, no request."""

from collections.abc import Mapping

from django.conf import settings

from apps.accounts.actors import Actor
from apps.accounts.models import AccessLevel, ModuleCode

LEVELS: tuple[str, ...] = (AccessLevel.NONE, AccessLevel.READ, AccessLevel.FULL)
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def module_choices() -> list[tuple[str, str]]:
    """The product's modules as (code, label): the built-in ones, then those a host adds
    in ``settings.MARKETPLACE_SCOPE_CATALOG["modules"]`` (the scope catalog's extension)."""
    choices = [(str(code), str(label)) for code, label in ModuleCode.choices]
    known = {code for code, _ in choices}
    extension = getattr(settings, "MARKETPLACE_SCOPE_CATALOG", None) or {}
    modules = extension.get("modules", {}) if isinstance(extension, Mapping) else {}
    for code, spec in modules.items() if isinstance(modules, Mapping) else []:
        if isinstance(code, str) and code not in known:
            label = spec.get("label") if isinstance(spec, Mapping) else None
            choices.append((code, label if isinstance(label, str) else code))
            known.add(code)
    return choices


def module_codes() -> frozenset[str]:
    return frozenset(code for code, _ in module_choices())


def rights_errors(rights: object) -> list[str]:
    """Every problem with a rights map, as messages naming the module; empty when valid."""
    if not isinstance(rights, Mapping):
        return ["Rights must be an object mapping module codes to none, read or full."]
    errors = []
    codes = module_codes()
    for module, level in rights.items():
        if module not in codes:
            errors.append(f"Unknown module '{module}'. Known modules: {', '.join(sorted(codes))}.")
        elif level not in _RANK:
            errors.append(f"Module '{module}': level must be none, read or full, not {level!r}.")
    return errors


def effective_rights(*, rights: Mapping[str, str] | None, is_admin: bool) -> dict[str, str]:
    """The level a member has on every module: admins have full everywhere.

    Modules missing from ``rights`` count as ``none``; unknown entries are ignored.
    """
    if is_admin:
        return dict.fromkeys(sorted(module_codes()), AccessLevel.FULL.value)
    rights = rights or {}
    result: dict[str, str] = {}
    for module in sorted(module_codes()):
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


# --- who may act on an account -----------------------------------------------------------


def account_can_administer(actor: Actor, *, api_keys: bool) -> bool:
    """Whether ``actor`` may do an account admin's work in the account it acts in: an
    admin member, or (when ``api_keys``) an API key of the account. App tokens never."""
    if actor.account is None or actor.via_app_token:
        return False
    if actor.via_api_key:
        return api_keys
    return actor.is_admin


def account_can_develop(actor: Actor, *, api_keys: bool) -> bool:
    """Whether ``actor`` may build the apps of the account it acts in: a member with the
    developer right, or (when ``api_keys``) an API key of the account."""
    if actor.account is None or actor.via_app_token:
        return False
    if actor.via_api_key:
        return api_keys
    return actor.is_developer


def actor_admin_refusal(actor: Actor, *, api_keys: bool) -> str | None:
    """Why ``actor`` may not do an admin's work, in words; ``None`` when it may."""
    if account_can_administer(actor, api_keys=api_keys):
        return None
    if actor.via_api_key:
        return "API keys cannot do this. Sign in to the console as an account admin."
    return "Only an admin of this account can do this."
