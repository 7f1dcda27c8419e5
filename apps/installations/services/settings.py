"""Settings of an installation, app-level or one user's: values, secrets, files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from apps.accounts.actors import Actor
from apps.accounts.models import Membership, User
from apps.catalog.selectors import version_manifest
from apps.core.crypto import encrypt
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import Installation, InstallationEvent, SettingValue
from apps.installations.policies import (
    CleanValue,
    SettingsRefusal,
    secret_hint,
    settings_refusal,
)
from apps.installations.references import reference_values, references_missing
from apps.installations.services.common import _event, _require_active
from apps.installations.settings_plan import Upload, settings_plan

_REFUSALS = {
    SettingsRefusal.OUTSIDER: "No such installation.",
    SettingsRefusal.ADMIN_ONLY: "Only an admin of this account can change app settings.",
    SettingsRefusal.NOT_OWN: "You can change only your own settings.",
}


def _require_reach(
    *, installation: Installation, level: str, user: User | None, actor: Actor
) -> User | None:
    """Whose settings are saved (``None``: the app's), or why the actor may not."""
    if actor.account_id != installation.account_id or (
        actor.via_app_token and actor.installation.pk != installation.pk
    ):
        raise NotFound("No such installation.")
    if level not in ("app", "user"):
        raise ValidationFailed("Unknown level.", fields={"level": ["Use app or user."]})
    if level == "user" and user is None:
        raise ValidationFailed("Say whose settings these are.", fields={"user": ["Required."]})
    refusal = settings_refusal(
        actor,
        account_id=installation.account_id,
        level=level,
        target_user_id=user.pk if user is not None else None,
        installation_id=installation.pk,
        # Values a member keeps for an app they may not use now stay theirs to set (an
        # admin may give access later); the pages and API that serve the member ask
        # the same rule with their access before they call this.
        may_use=lambda: True,
    )
    if refusal is not None:
        raise PermissionDenied(_REFUSALS[refusal])
    if user is None:
        return None
    if user.pk != actor.user_id and not (
        Membership.objects.filter(user=user, account_id=installation.account_id).exists()
    ):
        raise NotFound("No such member in this account.")
    return user


def _upload_of(upload: IO[bytes]) -> Upload:
    name = getattr(upload, "name", "") or "upload"
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return Upload(name=name, size=size)


@transaction.atomic
def installation_settings_save(
    *,
    installation: Installation,
    level: str,
    user: User | None,
    values: Mapping[str, Any],
    files: Mapping[str, IO[bytes]] | None = None,
    clear: Iterable[str] = (),
    actor: Actor,
) -> list[SettingValue]:
    """Save settings of one level: ``app`` or ``user`` (``user``'s), for whoever the
    policy ``settings_refusal`` lets reach them (``NotFound`` for another account's
    installation or a non-member target, ``PermissionDenied`` otherwise).

    ``values`` maps keys to raw values; keys left out keep their value. An empty secret
    keeps the stored secret. ``files`` maps file-setting keys to uploads (type and size
    checked); ``clear`` removes the stored files or secrets of those keys. Every problem
    is reported at once, under ``fields`` by key (``settings_plan``), and nothing is saved
    then. Raises ``Conflict`` while the installation is on its way out.
    """
    target = _require_reach(installation=installation, level=level, user=user, actor=actor)
    locked = _require_active(installation)
    files = dict(files or {})
    stored = {
        v.key: v
        for v in SettingValue.objects.filter(installation=locked, user=target).select_for_update()
    }
    plan = settings_plan(
        settings=version_manifest(locked.version).settings,
        level=level,
        values=values,
        uploads={key: _upload_of(upload) for key, upload in files.items()},
        clear=list(clear),
        stored=stored.keys(),
    )
    errors = plan.errors or _references_missing(locked, plan.values)
    if errors:
        raise ValidationFailed("Some settings are not valid.", fields=errors)
    applied = _SettingsApply(locked, target, stored, actor)
    applied.write_values(plan.values)
    applied.remove(plan.removals)
    applied.upload({key: files[key] for key in plan.uploads})
    applied.finish(level)
    return applied.saved


def _references_missing(installation: Installation, values: Any) -> dict[str, list[str]]:
    """Reference values that are not records of the installation's account."""
    plain = {key: clean.value for key, clean in values.items()}
    references = reference_values(version_manifest(installation.version).settings, plain)
    return references_missing(account_id=installation.account_id, references=references)


class _SettingsApply:
    """Writes one checked plan to the rows of one level of one installation."""

    def __init__(
        self,
        installation: Installation,
        target: User | None,
        stored: dict[str, SettingValue],
        actor: Actor,
    ) -> None:
        self.installation, self.target, self.stored, self.actor = (
            installation,
            target,
            stored,
            actor,
        )
        self.saved: list[SettingValue] = []
        self.changed: list[str] = []
        self.old_files: list[FieldFile] = []

    def _row(self, key: str) -> SettingValue:
        return self.stored.get(key) or SettingValue(
            installation=self.installation, key=key, user=self.target
        )

    def write_values(self, values: Mapping[str, CleanValue]) -> None:
        for key, clean in values.items():
            if clean.clear:
                if key in self.stored:
                    self.stored[key].delete()
                    self.changed.append(key)
                continue
            row = self._row(key)
            if clean.secret is not None:
                row.secret, row.secret_hint, row.value = (
                    encrypt(clean.secret),
                    secret_hint(clean.secret),
                    None,
                )
            elif row.pk is not None and row.value == clean.value:
                self.saved.append(row)
                continue
            else:
                row.value = clean.value
            row.updated_by = self.actor.user
            row.save()
            self.saved.append(row)
            self.changed.append(key)

    def remove(self, keys: Iterable[str]) -> None:
        for key in keys:
            row = self.stored.get(key)
            if row is not None:
                if row.file:
                    self.old_files.append(row.file)
                row.delete()
                self.changed.append(key)

    def upload(self, files: Mapping[str, IO[bytes]]) -> None:
        for key, upload in files.items():
            row = self._row(key)
            if row.file:
                self.old_files.append(row.file)
            name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
            row.file = File(upload, name=name)
            row.file_name = name
            row.file_size = getattr(upload, "size", None)
            row.updated_by = self.actor.user
            row.save()
            self.saved.append(row)
            self.changed.append(key)

    def finish(self, level: str) -> None:
        """Remove replaced files once the transaction commits; record the change."""
        if self.old_files:
            stored_names = [(f.storage, f.name) for f in self.old_files if f.name]

            def remove_replaced() -> None:
                for store, name in stored_names:
                    store.delete(name)

            transaction.on_commit(remove_replaced)
        if self.changed:
            _event(
                self.installation,
                InstallationEvent.Kind.SETTINGS_CHANGED,
                self.actor,
                {
                    "level": level,
                    "user": self.target.email if self.target else "",
                    "keys": sorted(self.changed),
                },
            )
