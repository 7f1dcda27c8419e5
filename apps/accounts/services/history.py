"""The account's history: one row per change to its people, roles and groups."""

from collections.abc import Mapping
from typing import Any

from apps.accounts.actors import Actor
from apps.accounts.models import Account, AccountEvent


def account_event_record(
    *,
    account: Account,
    kind: str,
    actor: Actor,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> AccountEvent:
    """Append who (``actor``: its user and label), when and what (``kind``, ``target``,
    ``detail``) to ``account``'s history. Call it inside the transaction of the change,
    so the change and its record commit together."""
    return AccountEvent.objects.create(
        account=account,
        kind=kind,
        actor=actor.user if actor.user is not None and actor.user.pk else None,
        actor_label=actor.label[:254],
        target=target[:254],
        detail=dict(detail or {}),
    )
