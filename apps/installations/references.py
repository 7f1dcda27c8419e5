"""Which records a reference setting may point at: the records of the installation's
account. The module data lives above this context (``apps.modules``), so it registers
the lookup here when Django starts (as job kinds are registered by name); without one,
reference values are checked for form only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

# (account id, catalog model code, ids) -> the ids that are records of that account.
Resolver = Callable[[int, str, list[int]], set[int]]

_resolver: Resolver | None = None


def reference_resolver_set(resolver: Resolver | None) -> None:
    """Install the lookup of existing records (``apps.modules`` does, at start-up)."""
    global _resolver
    _resolver = resolver


def references_missing(
    *, account_id: int, references: Mapping[str, tuple[str, int]]
) -> dict[str, list[str]]:
    """For each setting key whose ``(model, id)`` is not a record of the account, the
    message naming it. One lookup per model."""
    if _resolver is None or not references:
        return {}
    by_model: dict[str, list[int]] = {}
    for model, record_id in references.values():
        by_model.setdefault(model, []).append(record_id)
    found = {model: _resolver(account_id, model, ids) for model, ids in by_model.items()}
    return {
        key: [f"No {model} {record_id} in this account."]
        for key, (model, record_id) in references.items()
        if record_id not in found[model]
    }


def reference_values(
    settings: Iterable[object], values: Mapping[str, object]
) -> dict[str, tuple[str, int]]:
    """The ``(model, id)`` of each reference setting given a value in ``values``."""
    out: dict[str, tuple[str, int]] = {}
    for setting in settings:
        key, kind = getattr(setting, "key", ""), getattr(setting, "type", "")
        value = values.get(key)
        model = getattr(setting, "model", None)
        if kind == "reference" and isinstance(value, int) and model:
            out[key] = (model, value)
    return out
