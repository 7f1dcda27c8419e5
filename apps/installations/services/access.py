"""Who may use an installed app: roles and groups of its account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor
from apps.accounts.models import Account, Group, Role
from apps.core.errors import ValidationFailed
from apps.installations.models import Installation, InstallationAccess, InstallationEvent
from apps.installations.services.common import _event, _require_active, _require_admin


@transaction.atomic
def installation_access_set(
    *,
    installation: Installation,
    role_ids: Iterable[int],
    group_ids: Iterable[int],
    actor: Actor,
) -> Installation:
    """Choose the roles and groups whose members may use the app (none: admins only).

    Members who lose access lose the use of their tokens from the next request.
    """
    _require_admin(
        actor,
        account_id=installation.account_id,
        refusal="Only an admin of this account can change who uses its apps.",
    )
    locked = _require_active(installation)
    roles = _own(Role, locked.account, role_ids, "roles")
    groups = _own(Group, locked.account, group_ids, "groups")
    before = _access_names(locked)
    InstallationAccess.objects.filter(installation=locked).delete()
    InstallationAccess.objects.bulk_create(
        [InstallationAccess(installation=locked, role=r) for r in roles]
        + [InstallationAccess(installation=locked, group=g) for g in groups]
    )
    after = _access_names(locked)
    if before != after:
        _event(
            locked, InstallationEvent.Kind.ACCESS_CHANGED, actor, {"before": before, "after": after}
        )
    return locked


def _own(
    model: type[Role] | type[Group], account: Account, ids: Iterable[int], field: str
) -> list[Any]:
    wanted = set()
    for raw in ids:
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(
                f"Unknown {field}.", fields={field: [f"{raw!r} is not an id."]}
            ) from exc
    found = list(model.objects.filter(account=account, pk__in=wanted))
    missing = wanted - {obj.pk for obj in found}
    if missing:
        raise ValidationFailed(
            f"Unknown {field}.",
            fields={field: [f"No such {field[:-1]} in this account: {sorted(missing)}."]},
        )
    return found


def _access_names(installation: Installation) -> dict[str, list[str]]:
    rules = InstallationAccess.objects.filter(installation=installation).select_related(
        "role", "group"
    )
    return {
        "roles": sorted(r.role.name for r in rules if r.role is not None),
        "groups": sorted(r.group.name for r in rules if r.group is not None),
    }
