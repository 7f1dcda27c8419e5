"""Install, update (plan, then update with consent), uninstall; webhook subscriptions
follow the manifest of the installed version."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.actors import Actor, actor_system
from apps.accounts.models import Account
from apps.catalog.models import AppVersion, InstallLink, VersionStatus
from apps.catalog.policies import semver_key
from apps.catalog.selectors import version_manifest
from apps.core.errors import Conflict, ValidationFailed
from apps.installations.errors import InstallationError
from apps.installations.models import (
    Installation,
    InstallationEvent,
    InstallationStatus,
)
from apps.installations.selectors import installation_newer_versions
from apps.installations.services.common import _event, _require_active, _require_admin
from apps.installations.services.installable import (
    _lock_app,
    installation_check_installable,
)
from apps.installations.services.subscriptions import subscriptions_sync
from apps.installations.services.uninstalling import installation_mark_uninstalling
from apps.jobs.kinds import INSTALLATION_UNINSTALL
from apps.jobs.services import job_create
from apps.scopes.policies import effective_scopes, scope_diff


@transaction.atomic
def installation_install(
    *,
    account: Account,
    version: AppVersion,
    actor: Actor,
    install_link: InstallLink | None = None,
) -> Installation:
    """Install ``version`` on ``account``, granting its effective scopes.

    Only an admin of the account may install. Registers the manifest's webhooks as the
    installation's subscriptions. Raises ``PermissionDenied``, ``Conflict``
    (``already_installed`` or why the version cannot be installed here).
    """
    _require_admin(
        actor,
        account_id=account.pk,
        refusal=f"Only an admin of {account.name} can install apps. Ask an admin to install it.",
    )
    _lock_app(version)
    installation_check_installable(account=account, version=version, install_link=install_link)
    manifest = version_manifest(version)
    try:
        with transaction.atomic():
            installation = Installation.objects.create(
                account=account,
                app=version.app,
                version=version,
                granted_scopes=list(effective_scopes(version.effective_scopes)),
                installed_by=actor.user,
                installed_at=timezone.now(),
                install_link=install_link,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"“{version.app.name}” is already installed on {account.name}. Update the "
            "installation instead.",
            code=InstallationError.ALREADY_INSTALLED,
        ) from exc
    hooks = subscriptions_sync(installation=installation, manifest=manifest)
    _event(
        installation,
        InstallationEvent.Kind.INSTALLED,
        actor,
        {
            "version": version.number,
            "scopes": installation.granted_scopes,
            "webhooks": hooks["added"],
            "via_link": install_link.display_prefix if install_link else "",
        },
    )
    return installation


@dataclass(frozen=True)
class UpdatePlan:
    """What updating an installation to ``version`` would do, for the re-consent page."""

    version: AppVersion
    scopes_before: tuple[str, ...]
    scopes_after: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    needs_consent: bool
    exceeding: tuple[str, ...]


def installation_update_plan(*, installation: Installation, version: AppVersion) -> UpdatePlan:
    """Compare the installation's grant with ``version``'s scopes."""
    before = tuple(installation.granted_scopes)
    after = effective_scopes(version.effective_scopes)
    diff = scope_diff(before, after)
    return UpdatePlan(
        version=version,
        scopes_before=before,
        scopes_after=after,
        added=diff.added + tuple(f"{c.code}:{c.new}" for c in diff.raised),
        removed=diff.removed + tuple(f"{c.code}:{c.old}" for c in diff.lowered),
        needs_consent=diff.needs_consent,
        exceeding=diff.exceeding,
    )


@transaction.atomic
def installation_update(
    *,
    installation: Installation,
    version: AppVersion,
    actor: Actor,
    consent: bool,
    install_link: InstallLink | None = None,
) -> Installation:
    """Move an installation to another version of its app.

    When the new version asks for more than the installation granted, the admin must
    have seen the scope diff and agreed (``consent=True``), else ``Conflict``
    (``consent_required``). Narrowing applies at once. Webhook subscriptions follow the
    new manifest; settings values, access and files are kept.
    """
    _require_admin(
        actor,
        account_id=installation.account_id,
        refusal="Only an admin of this account can update its apps.",
    )
    if version.app_id != installation.app_id:
        raise ValidationFailed(
            "That version belongs to another app.", fields={"version": ["Not a version of it."]}
        )
    locked = Installation.objects.select_for_update().filter(pk=installation.pk).first()
    if locked is None or locked.status != InstallationStatus.ACTIVE:
        raise Conflict(
            "The app is being uninstalled; it cannot be updated.", code=InstallationError.NOT_ACTIVE
        )
    if locked.version_id == version.pk:
        raise Conflict(
            f"Version {version.number} is already installed.",
            code=InstallationError.ALREADY_ON_VERSION,
        )
    if install_link is None and semver_key(version.number) <= semver_key(locked.version.number):
        raise ValidationFailed(
            "Choose a newer version.",
            fields={
                "version": [f"Version {locked.version.number} is installed; pick a newer one."]
            },
        )
    _lock_app(version)
    installation_check_installable(
        account=locked.account, version=version, install_link=install_link, installed=True
    )
    plan = installation_update_plan(installation=locked, version=version)
    if plan.needs_consent and not consent:
        raise Conflict(
            "The new version asks for more access: "
            + ", ".join(plan.exceeding)
            + ". Review the new scopes and agree to update.",
            code=InstallationError.CONSENT_REQUIRED,
            fields={
                "consent": [f"Version {version.number} also asks for: {', '.join(plan.exceeding)}."]
            },
            extra={"new_scopes": list(plan.exceeding)},
        )
    return _move_to_version(locked, version, plan, actor)


def _move_to_version(
    locked: Installation,
    version: AppVersion,
    plan: UpdatePlan,
    actor: Actor,
    *,
    automatic: bool = False,
) -> Installation:
    """Move a locked, active installation to ``version`` with ``plan``'s grant: webhook
    subscriptions follow the new manifest (by id); settings, access and files stay; a
    pending approval for this version or an older one is settled."""
    from_number = locked.version.number
    manifest = version_manifest(version)
    pending = locked.pending_version
    if pending is not None and semver_key(pending.number) <= semver_key(version.number):
        locked.pending_version = None
    locked.version = version
    locked.granted_scopes = list(plan.scopes_after)
    locked.scopes_revision = F("scopes_revision") + 1
    locked.save(
        update_fields=[
            "version",
            "granted_scopes",
            "scopes_revision",
            "pending_version",
            "updated_at",
        ]
    )
    locked.refresh_from_db()
    hooks = subscriptions_sync(installation=locked, manifest=manifest)
    _event(
        locked,
        InstallationEvent.Kind.UPDATED,
        actor,
        {
            "from": from_number,
            "to": version.number,
            "scopes_added": list(plan.added),
            "scopes_removed": list(plan.removed),
            "webhooks": hooks,
            "automatic": automatic,
        },
    )
    return locked


class RolloutOutcome(StrEnum):
    UPDATED = "updated"
    NEEDS_APPROVAL = "needs_approval"
    PINNED = "pinned"
    SKIPPED = "skipped"


ROLLOUT_ACTOR = actor_system(label="Automatic update")


@transaction.atomic
def installation_rollout(*, installation_id: int, version: AppVersion) -> RolloutOutcome:
    """Bring one installation to a newly published ``version`` without an admin.

    When the installation's grant already covers what ``version`` asks for, it is
    updated at once (as ``installation_update`` would, recorded as an automatic update).
    Otherwise it stays where it is and is marked "update needs approval" for its admins
    (``pending_version``), once per version. Left alone: a pinned installation
    (``PINNED``); one that is gone, not active, or already on ``version`` or a newer one,
    or a ``version`` that is no longer published (``SKIPPED``). Idempotent: running it
    twice gives the same end state.
    """
    locked = (
        Installation.objects.select_for_update(of=("self",))
        .select_related("version", "pending_version")
        .filter(pk=installation_id, app_id=version.app_id)
        .first()
    )
    if locked is not None and locked.status == InstallationStatus.ACTIVE and locked.is_pinned:
        return RolloutOutcome.PINNED
    if (
        locked is None
        or locked.status != InstallationStatus.ACTIVE
        or semver_key(locked.version.number) >= semver_key(version.number)
        or not AppVersion.objects.filter(pk=version.pk, status=VersionStatus.PUBLISHED).exists()
    ):
        return RolloutOutcome.SKIPPED
    plan = installation_update_plan(installation=locked, version=version)
    if not plan.needs_consent:
        _move_to_version(locked, version, plan, ROLLOUT_ACTOR, automatic=True)
        return RolloutOutcome.UPDATED
    pending = locked.pending_version
    if pending is not None and semver_key(pending.number) >= semver_key(version.number):
        return RolloutOutcome.NEEDS_APPROVAL
    locked.pending_version = version
    locked.save(update_fields=["pending_version", "updated_at"])
    _event(
        locked,
        InstallationEvent.Kind.UPDATE_NEEDS_APPROVAL,
        ROLLOUT_ACTOR,
        {"to": version.number, "new_scopes": list(plan.exceeding)},
    )
    return RolloutOutcome.NEEDS_APPROVAL


@transaction.atomic
def installation_pin(*, installation: Installation, pinned: bool, actor: Actor) -> Installation:
    """Pin an installation to its version (no automatic updates) or unpin it.

    Unpinning catches up at once with the newest published version, as its rollout would
    have: updated when the grant covers it, else marked "update needs approval". Only an
    admin of the account may. Idempotent: pinning a pinned installation changes
    nothing and records nothing. Raises ``PermissionDenied``, ``Conflict`` (``not_active``).
    """
    _require_admin(
        actor,
        account_id=installation.account_id,
        refusal="Only an admin of this account can pin or unpin its apps.",
    )
    locked = _require_active(
        installation, "The app is being uninstalled; it cannot be pinned or unpinned."
    )
    if locked.is_pinned == pinned:
        return locked
    locked.pinned_at = timezone.now() if pinned else None
    locked.save(update_fields=["pinned_at", "updated_at"])
    _event(
        locked,
        InstallationEvent.Kind.PINNED if pinned else InstallationEvent.Kind.UNPINNED,
        actor,
        {"version": locked.version.number},
    )
    if not pinned:
        # Catch up with what was published while it was pinned, as a rollout would have.
        newer = installation_newer_versions(installation=locked)
        if newer:
            installation_rollout(installation_id=locked.pk, version=newer[0])
            locked.refresh_from_db()
    return locked


@transaction.atomic
def installation_uninstall(*, installation: Installation, actor: Actor) -> Installation:
    """Mark the installation uninstalling: from this moment every token of it is refused,
    the app is no longer embedded and nothing can change it. Queues the uninstall job
    (``lifecycle.installation_uninstall``) that removes its data, in the same transaction.
    Raises ``PermissionDenied``, ``Conflict`` (``not_active``)."""
    _require_admin(
        actor,
        account_id=installation.account_id,
        refusal="Only an admin of this account can uninstall its apps.",
    )
    if not installation_mark_uninstalling(installation=installation, actor=actor):
        raise Conflict("The app is already being uninstalled.", code=InstallationError.NOT_ACTIVE)
    job_create(
        kind=INSTALLATION_UNINSTALL,
        payload={"installation_id": installation.pk},
        target=f"{installation.app.name} on {installation.account.name}",
        account=installation.account,
        created_by=actor.user,
    )
    return installation
