"""Settings of an installation, app-level or one user's: values, secrets, files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.db.models.fields.files import FieldFile

from apps.accounts.models import Membership, User
from apps.catalog.selectors import version_manifest
from apps.catalog.services import By
from apps.core.crypto import encrypt
from apps.core.errors import NotFound, PermissionDenied, ValidationFailed
from apps.installations.models import Installation, InstallationEvent, SettingValue
from apps.installations.policies import (
    SettingInvalid,
    secret_hint,
    setting_file_problem,
    setting_value_clean,
    settings_of_level,
)
from apps.installations.services.common import _event, _require_active


@transaction.atomic
def installation_settings_save(
    *,
    installation: Installation,
    level: str,
    user: User | None,
    values: Mapping[str, Any],
    files: Mapping[str, IO[bytes]] | None = None,
    clear: Iterable[str] = (),
    by: By,
    membership: Membership | None,
) -> list[SettingValue]:
    """Save settings of one level: ``app`` (admins only) or ``user`` (``user`` edits
    their own; an admin may edit anyone's in the account).

    ``values`` maps keys to raw values; keys left out keep their value. An empty secret
    keeps the stored secret. ``files`` maps file-setting keys to uploads (type and size
    checked); ``clear`` removes the stored files or secrets of those keys. Every problem
    is reported at once, under ``fields`` by key, and nothing is saved then.
    """
    if membership is None or membership.account_id != installation.account_id:
        raise NotFound("No such installation.")
    if level == "app":
        if not membership.is_admin:
            raise PermissionDenied("Only an admin of this account can change app settings.")
        target: User | None = None
    elif level == "user":
        if user is None:
            raise ValidationFailed("Say whose settings these are.", fields={"user": ["Required."]})
        if user.pk != membership.user_id:
            if not membership.is_admin:
                raise PermissionDenied("You can change only your own settings.")
            if not Membership.objects.filter(
                user=user, account_id=installation.account_id
            ).exists():
                raise NotFound("No such member in this account.")
        target = user
    else:
        raise ValidationFailed("Unknown level.", fields={"level": ["Use app or user."]})
    locked = _require_active(installation)
    manifest = version_manifest(locked.version)
    declared = {s.key: s for s in settings_of_level(manifest.settings, level)}
    files = dict(files or {})
    errors: dict[str, list[str]] = {}
    clear = list(clear)
    for key in [*values.keys(), *files.keys(), *clear]:
        if key not in declared:
            errors.setdefault(key, []).append(f"The app has no {level}-level setting “{key}”.")
    stored = {
        v.key: v
        for v in SettingValue.objects.filter(installation=locked, user=target).select_for_update()
    }
    plans: dict[str, Any] = {}
    for key, raw in values.items():
        setting = declared.get(key)
        if setting is None or setting.type == "file":
            if setting is not None:
                errors.setdefault(key, []).append("Upload a file for this setting.")
            continue
        try:
            clean = setting_value_clean(setting, raw)
        except SettingInvalid as exc:
            errors.setdefault(key, []).append(str(exc))
            continue
        if setting.type == "secret" and clean.clear:
            if setting.required and key not in stored:
                errors.setdefault(key, []).append("This setting is required.")
            continue  # empty secret: keep the stored one
        plans[key] = clean
    for key, upload in files.items():
        setting = declared.get(key)
        if setting is None:
            continue
        if setting.type != "file":
            errors.setdefault(key, []).append("This setting does not take a file.")
            continue
        name = getattr(upload, "name", "") or "upload"
        size = getattr(upload, "size", None)
        if size is None:
            upload.seek(0, 2)
            size = upload.tell()
            upload.seek(0)
        problem = setting_file_problem(name=name, size=size)
        if problem:
            errors.setdefault(key, []).append(problem)
    for key in clear:
        setting = declared.get(key)
        if setting is None:
            continue
        if setting.type not in ("file", "secret"):
            errors.setdefault(key, []).append("Empty the field to remove its value.")
        elif setting.type == "secret" and key in plans:
            errors.setdefault(key, []).append("Enter a new secret or remove it, not both.")
        elif setting.required and key not in files and key not in plans:
            errors.setdefault(key, []).append(
                "This setting is required; upload another file."
                if setting.type == "file"
                else "This setting is required; enter a new secret instead."
            )
    for key, setting in declared.items():
        # A required setting with nothing stored must come with this save: a secret left
        # out is as missing as a plain value, and a file as missing as both.
        given = key in files if setting.type == "file" else key in values
        if setting.required and not given and key not in stored and setting.default is None:
            errors.setdefault(key, []).append(
                "This setting is required; upload a file."
                if setting.type == "file"
                else "This setting is required."
            )
    if errors:
        raise ValidationFailed("Some settings are not valid.", fields=errors)
    saved: list[SettingValue] = []
    changed: list[str] = []
    old_files: list[FieldFile] = []
    for key, clean in plans.items():
        row = stored.get(key)
        if clean.clear:
            if row is not None:
                row.delete()
                changed.append(key)
            continue
        if row is None:
            row = SettingValue(installation=locked, key=key, user=target)
        if clean.secret is not None:
            row.secret, row.secret_hint, row.value = (
                encrypt(clean.secret),
                secret_hint(clean.secret),
                None,
            )
        else:
            if row.pk is not None and row.value == clean.value:
                saved.append(row)
                continue
            row.value = clean.value
        row.updated_by = by.user
        row.save()
        saved.append(row)
        changed.append(key)
    for key in clear:
        row = stored.get(key)
        if row is not None and key not in files and key not in plans:
            if row.file:
                old_files.append(row.file)
            row.delete()
            changed.append(key)
    for key, upload in files.items():
        row = stored.get(key) or SettingValue(installation=locked, key=key, user=target)
        if row.file:
            old_files.append(row.file)
        name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:255]
        row.file = File(upload, name=name)
        row.file_name = name
        row.file_size = getattr(upload, "size", None)
        row.updated_by = by.user
        row.save()
        saved.append(row)
        changed.append(key)
    if old_files:
        stored_names = [(f.storage, f.name) for f in old_files if f.name]

        def remove_replaced() -> None:
            for store, name in stored_names:
                store.delete(name)

        transaction.on_commit(remove_replaced)
    if changed:
        _event(
            locked,
            InstallationEvent.Kind.SETTINGS_CHANGED,
            by,
            {"level": level, "user": target.email if target else "", "keys": sorted(changed)},
        )
    return saved
