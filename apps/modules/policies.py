"""Pure rules about who may reach module records in the host product's own pages. No ORM,
no request."""

from __future__ import annotations

from apps.accounts.actors import Actor
from apps.accounts.models import AccessLevel
from apps.accounts.policies import rights_allow


def record_module(code: str) -> str:
    """The module whose right covers the catalog model ``code`` (``crm.leads`` → ``crm``)."""
    from apps.scopes.catalog import get_catalog

    return get_catalog().module_of_model(code) or code.split(".", 1)[0]


def record_refusal(actor: Actor, *, code: str, level: str) -> str | None:
    """Why the member ``actor`` may not reach records of ``code`` at ``level`` (``read``
    or ``full``), in words; ``None`` when their role's right on the model's module (full
    for admins) allows it. Without a membership nothing is allowed."""
    if actor.membership is None:
        return "You do not belong to any account yet."
    module = record_module(code)
    if rights_allow(rights=actor.rights, module=module, level=level):
        return None
    have = actor.rights.get(module, AccessLevel.NONE)
    having = "no access" if have == AccessLevel.NONE else f"only {have} access"
    wanted = "see" if level == AccessLevel.READ else "change"
    return (
        f"Your role gives you {having} to the {module} module; to {wanted} these records "
        f"you need {level} access. Ask an admin of the account for it."
    )


def record_can(actor: Actor, *, code: str, level: str) -> bool:
    return record_refusal(actor, code=code, level=level) is None
