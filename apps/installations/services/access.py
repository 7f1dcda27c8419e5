"""Who may use an installed app: every member, or roles and groups of its account; and
what of that the accounts context must know when a role or group goes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from apps.accounts.actors import Actor
from apps.accounts.models import Account, Group, Role
from apps.core.errors import ValidationFailed
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    InstallationStatus,
)
from apps.installations.services.common import _event, _require_active, _require_admin


@transaction.atomic
def installation_access_set(
    *,
    installation: Installation,
    role_ids: Iterable[int],
    group_ids: Iterable[int],
    actor: Actor,
    everyone: bool | None = None,
) -> Installation:
    """Choose who may use the app: every member of the account (``everyone``; ``None``
    keeps the current choice), and the roles and groups whose members may (nothing:
    admins only). Admins always may.

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
    if everyone is not None and bool(everyone) != locked.access_everyone:
        locked.access_everyone = bool(everyone)
        locked.save(update_fields=["access_everyone", "updated_at"])
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


def _access_names(installation: Installation) -> dict[str, Any]:
    rules = InstallationAccess.objects.filter(installation=installation).select_related(
        "role", "group"
    )
    names: dict[str, Any] = {
        "roles": sorted(r.role.name for r in rules if r.role is not None),
        "groups": sorted(r.group.name for r in rules if r.group is not None),
    }
    if installation.access_everyone:
        names["everyone"] = True
    return names


class AccessUsage:
    """The access rules of installed apps, as a user of roles and groups
    (``apps.accounts.usage``): a role or group an app's access names is not deleted
    without a replacement; with one, the rules name the replacement and the change is in
    each installation's history."""

    @staticmethod
    def _field(obj: Role | Group) -> str:
        return "role" if isinstance(obj, Role) else "group"

    def uses(self, obj: Role | Group) -> list[str]:
        rules = InstallationAccess.objects.filter(
            **{self._field(obj): obj}, installation__status=InstallationStatus.ACTIVE
        ).select_related("installation__app")
        names = sorted({rule.installation.app.name for rule in rules})
        return [f"the access of the app “{name}”" for name in names]

    def reassign(self, obj: Role | Group, to: Role | Group, actor: Actor) -> None:
        field = self._field(obj)
        rules = list(
            InstallationAccess.objects.filter(**{field: obj}).select_related("installation")
        )
        for rule in rules:
            before = _access_names(rule.installation)
            if InstallationAccess.objects.filter(
                installation_id=rule.installation_id, **{field: to}
            ).exists():
                rule.delete()
            else:
                InstallationAccess.objects.filter(pk=rule.pk).update(**{field: to})
            _event(
                rule.installation,
                InstallationEvent.Kind.ACCESS_CHANGED,
                actor,
                {
                    "before": before,
                    "after": _access_names(rule.installation),
                    "why": f"the {field} “{obj.name}” was deleted, replaced by “{to.name}”",
                },
            )
