"""The pure plan of a settings save: what to write, clear and upload, or every problem.

Part of the installations policies (no ORM, no request, no storage): the settings
service reads the stored keys, asks ``settings_plan`` and applies the answer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from apps.catalog.manifests.types import Setting
from apps.installations.policies import (
    CleanValue,
    SettingInvalid,
    setting_file_problem,
    setting_value_clean,
    settings_of_level,
)


@dataclass(frozen=True)
class Upload:
    """What the plan needs to know of an uploaded file: its name and size in bytes."""

    name: str
    size: int


@dataclass(frozen=True)
class SettingsPlan:
    """The outcome of checking one save. ``errors`` maps keys to messages; when it is
    empty, ``values`` are the plain values and secrets to store (``clear`` ones removed),
    ``removals`` the stored files or secrets to delete, ``uploads`` the keys whose file
    is replaced."""

    values: dict[str, CleanValue] = field(default_factory=dict)
    removals: tuple[str, ...] = ()
    uploads: tuple[str, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)


class _Errors(dict[str, list[str]]):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)


def settings_plan(
    *,
    settings: Iterable[Setting],
    level: str,
    values: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    clear: Collection[str],
    stored: Collection[str],
) -> SettingsPlan:
    """Check one save of ``level`` settings against the manifest's ``settings`` and the
    keys already ``stored``, and say what to do.

    ``values`` maps keys to raw values (keys left out keep their value; an empty secret
    keeps the stored one); ``uploads`` maps file settings to new files; ``clear`` names
    stored files or secrets to remove. A required setting with nothing stored must come
    with the save. Every problem is reported at once under its key; a plan with errors
    must not be applied. Pure: raises nothing.
    """
    declared = {s.key: s for s in settings_of_level(settings, level)}
    errors = _Errors()
    for key in [*values.keys(), *uploads.keys(), *clear]:
        if key not in declared:
            errors.add(key, f"The app has no {level}-level setting “{key}”.")
    planned = _plan_values(declared, values, stored, errors)
    _check_uploads(declared, uploads, errors)
    _check_clear(declared, clear, uploads, planned, errors)
    _check_required(declared, values, uploads, stored, errors)
    if errors:
        return SettingsPlan(errors=dict(errors))
    removals = tuple(k for k in clear if k not in uploads and k not in planned)
    return SettingsPlan(values=planned, removals=removals, uploads=tuple(uploads))


def _plan_values(
    declared: Mapping[str, Setting],
    values: Mapping[str, Any],
    stored: Collection[str],
    errors: _Errors,
) -> dict[str, CleanValue]:
    planned: dict[str, CleanValue] = {}
    for key, raw in values.items():
        setting = declared.get(key)
        if setting is None or setting.type == "file":
            if setting is not None:
                errors.add(key, "Upload a file for this setting.")
            continue
        try:
            clean = setting_value_clean(setting, raw)
        except SettingInvalid as exc:
            errors.add(key, str(exc))
            continue
        if setting.type == "secret" and clean.clear:
            if setting.required and key not in stored:
                errors.add(key, "This setting is required.")
            continue  # empty secret: keep the stored one
        planned[key] = clean
    return planned


def _check_uploads(
    declared: Mapping[str, Setting], uploads: Mapping[str, Upload], errors: _Errors
) -> None:
    for key, upload in uploads.items():
        setting = declared.get(key)
        if setting is None:
            continue
        if setting.type != "file":
            errors.add(key, "This setting does not take a file.")
            continue
        problem = setting_file_problem(name=upload.name, size=upload.size)
        if problem:
            errors.add(key, problem)


def _check_clear(
    declared: Mapping[str, Setting],
    clear: Collection[str],
    uploads: Mapping[str, Upload],
    planned: Mapping[str, CleanValue],
    errors: _Errors,
) -> None:
    for key in clear:
        setting = declared.get(key)
        if setting is None:
            continue
        if setting.type not in ("file", "secret"):
            errors.add(key, "Empty the field to remove its value.")
        elif setting.type == "secret" and key in planned:
            errors.add(key, "Enter a new secret or remove it, not both.")
        elif setting.required and key not in uploads and key not in planned:
            errors.add(
                key,
                "This setting is required; upload another file."
                if setting.type == "file"
                else "This setting is required; enter a new secret instead.",
            )


def _check_required(
    declared: Mapping[str, Setting],
    values: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    stored: Collection[str],
    errors: _Errors,
) -> None:
    # A required setting with nothing stored must come with this save: a secret left
    # out is as missing as a plain value, and a file as missing as both.
    for key, setting in declared.items():
        given = key in uploads if setting.type == "file" else key in values
        if setting.required and not given and key not in stored and setting.default is None:
            errors.add(
                key,
                "This setting is required; upload a file."
                if setting.type == "file"
                else "This setting is required.",
            )
