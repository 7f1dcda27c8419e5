"""Reads about moving an installation to another version: the newer published versions,
the update each installation of an account could take, a pending update, and the
version an admin names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.accounts.models import Account
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.policies import semver_key
from apps.core.errors import ValidationFailed
from apps.installations.models import LIVE_STATUSES, Installation
from apps.scopes.policies import effective_scopes, scope_diff


def installation_newer_versions(*, installation: Installation) -> list[AppVersion]:
    """Published versions newer than the installed one, newest first."""
    current = semver_key(installation.version.number)
    versions = AppVersion.objects.filter(app_id=installation.app_id, status=VersionStatus.PUBLISHED)
    newer = [v for v in versions if semver_key(v.number) > current]
    return sorted(newer, key=lambda v: semver_key(v.number), reverse=True)


def installation_updates_for_account(*, account: Account) -> dict[int, AppVersion]:
    """For each active installation of ``account`` with a newer published version, that
    newest version, keyed by installation id. Two queries whatever the number of
    installations (for "update available" badges on a list)."""
    installations = list(
        Installation.objects.filter(account=account, status__in=LIVE_STATUSES).select_related(
            "version"
        )
    )
    newest: dict[int, AppVersion] = {}
    published = AppVersion.objects.filter(
        app_id__in={i.app_id for i in installations}, status=VersionStatus.PUBLISHED
    )
    for version in published:
        best = newest.get(version.app_id)
        if best is None or semver_key(version.number) > semver_key(best.number):
            newest[version.app_id] = version
    result = {}
    for installation in installations:
        candidate = newest.get(installation.app_id)
        if candidate is not None and semver_key(candidate.number) > semver_key(
            installation.version.number
        ):
            result[installation.pk] = candidate
    return result


@dataclass(frozen=True)
class PendingUpdate:
    """A published version the rollout did not install because it asks for more access
    than the installation's grant: ``new_scopes`` are what the admin would approve."""

    version: AppVersion
    new_scopes: tuple[str, ...]


def installation_pending_update(*, installation: Installation) -> PendingUpdate | None:
    """The update of an active installation waiting for an admin's approval, or ``None``
    (nothing waits, the installation is being uninstalled, or the version was withdrawn).
    No query when ``pending_version`` is loaded."""
    pending = installation.pending_version
    if (
        pending is None
        or not installation.is_active
        or pending.status != VersionStatus.PUBLISHED
        or semver_key(pending.number) <= semver_key(installation.version.number)
    ):
        return None
    diff = scope_diff(installation.granted_scopes, effective_scopes(pending.effective_scopes))
    return PendingUpdate(version=pending, new_scopes=diff.exceeding)


def installation_update_target(*, installation: Installation, number: Any) -> AppVersion:
    """The version of the installed app to update to, refused under ``version`` when it
    is unknown, not published (outside the developer's own account) or not newer."""
    if not isinstance(number, str) or not number.strip():
        raise ValidationFailed(
            "Name the version to update to.", fields={"version": ["Give a version number."]}
        )
    number = number.strip()
    unknown = ValidationFailed(
        f"“{installation.app.name}” has no published version {number}.",
        fields={"version": [f"No published version {number}."]},
    )
    version = AppVersion.objects.filter(app_id=installation.app_id, number=number).first()
    own_app = installation.app.account_id == installation.account_id
    if version is None or (version.status != VersionStatus.PUBLISHED and not own_app):
        raise unknown
    if semver_key(version.number) <= semver_key(installation.version.number):
        raise ValidationFailed(
            f"Version {installation.version.number} is installed; choose a newer one.",
            fields={"version": [f"Version {number} is not newer than the installed one."]},
        )
    return version
