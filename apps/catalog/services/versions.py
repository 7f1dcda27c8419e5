"""Versions: create and edit drafts from a manifest, and every status change through
``version_transition`` (a transition table in ``policies.TRANSITIONS`` and a
compare-and-set update, so of two people acting at once the loser gets ``Conflict``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.catalog.errors import CatalogError, ManifestInvalid
from apps.catalog.manifests import ManifestCheck, ManifestError, Problem, manifest_validate_text
from apps.catalog.manifests.reading import Format
from apps.catalog.models import (
    App,
    AppVersion,
    VersionEvent,
    VersionStatus,
)
from apps.catalog.policies import (
    REASON_REQUIRED,
    Party,
    semver_key,
    transition_refusal,
    version_can_transition,
    version_is_editable,
)
from apps.catalog.services.common import _require_not_deleting
from apps.core.errors import Conflict, ValidationFailed
from apps.jobs.kinds import VERSION_ROLLOUT
from apps.jobs.services import job_create

NUL_REFUSED = "Remove the NUL character (\\u0000) from this text."


def _nul_paths(value: Any, path: str = "$") -> list[str]:
    """The JSON paths of the strings holding a NUL character (PostgreSQL stores none)."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = [path] if any("\x00" in str(key) for key in value) else []
        return found + [p for k, v in value.items() for p in _nul_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, f"{path}[{i}]")]
    return []


def _read_manifest(raw: bytes | str, fmt: Format | None) -> tuple[ManifestCheck, str, str]:
    check = manifest_validate_text(raw, fmt=fmt)
    if not check.valid or check.manifest is None:
        raise ManifestInvalid(check)
    nul = _nul_paths(check.manifest.data)
    if nul:
        problems = tuple(
            Problem(path=path, code=ManifestError.INVALID_VALUE, message=NUL_REFUSED)
            for path in nul
        )
        raise ManifestInvalid(ManifestCheck(errors=problems))
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    detected = fmt or ("json" if text.lstrip().startswith(("{", "[")) else "yaml")
    return check, text, str(detected)


def _clean_changelog(changelog: str) -> str:
    changelog = (changelog or "").strip()
    if "\x00" in changelog:
        raise ValidationFailed(
            "The changelog holds a NUL character.", fields={"changelog": [NUL_REFUSED]}
        )
    if len(changelog) > 10_000:
        raise ValidationFailed(
            "The changelog is too long.", fields={"changelog": ["Use at most 10,000 characters."]}
        )
    return changelog


def _number_taken(number: str) -> ValidationFailed:
    return ValidationFailed(
        f"This app already has a version {number}.",
        code=CatalogError.INVALID_MANIFEST,
        fields={"$.version": [f"Version {number} exists: raise the version number."]},
    )


@transaction.atomic
def version_create(
    *, app: App, raw: bytes | str, fmt: Format | None = None, changelog: str = "", actor: Actor
) -> AppVersion:
    """Create a draft version from a manifest (JSON or YAML).

    The number is the manifest's ``version``; it must be higher than every version the
    app has. Raises ``ManifestInvalid`` with every problem by path, or
    ``ValidationFailed`` naming ``$.version`` or ``changelog``. Nothing is written then.
    """
    _require_not_deleting(app)
    check, text, detected = _read_manifest(raw, fmt)
    changelog = _clean_changelog(changelog)
    assert check.manifest is not None
    number = check.manifest.version
    existing = list(app.versions.values_list("number", flat=True))
    if number in existing:
        raise _number_taken(number)
    highest = max(existing, key=semver_key, default=None)
    if highest is not None and semver_key(number) <= semver_key(highest):
        raise ValidationFailed(
            f"Version {number} is not higher than {highest}, the app's highest version.",
            code=CatalogError.INVALID_MANIFEST,
            fields={"$.version": [f"Use a version number higher than {highest}."]},
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            version = AppVersion.objects.create(
                app=app,
                number=number,
                manifest=check.manifest.data,
                manifest_source=text,
                manifest_format=detected,
                effective_scopes=list(check.effective_scopes),
                changelog=changelog,
                created_by=actor.user,
                status=VersionStatus.DRAFT,
                status_changed_at=now,
            )
    except IntegrityError as exc:
        raise _number_taken(number) from exc
    VersionEvent.objects.create(
        version=version,
        actor=actor.user,
        actor_label=actor.label,
        to_status=VersionStatus.DRAFT,
        reason="Created.",
    )
    return version


def _check_number_in_order(version: AppVersion, number: str) -> None:
    """A changed number stays unique and keeps the versions in order: above every version
    created before this one and below every version created after it."""
    others = list(
        AppVersion.objects.filter(app_id=version.app_id)
        .exclude(pk=version.pk)
        .values_list("number", "pk")
    )
    if number in {n for n, _ in others}:
        raise _number_taken(number)
    earlier = [n for n, pk in others if pk < version.pk]
    later = [n for n, pk in others if pk > version.pk]
    highest = max(earlier, key=semver_key, default=None)
    lowest = min(later, key=semver_key, default=None)
    if highest is not None and semver_key(number) <= semver_key(highest):
        raise ValidationFailed(
            f"Version {number} is not higher than {highest}, an earlier version of the app.",
            code=CatalogError.INVALID_MANIFEST,
            fields={"$.version": [f"Use a version number higher than {highest}."]},
        )
    if lowest is not None and semver_key(number) >= semver_key(lowest):
        raise ValidationFailed(
            f"Version {number} is not lower than {lowest}, a later version of the app.",
            code=CatalogError.INVALID_MANIFEST,
            fields={"$.version": [f"Use a version number lower than {lowest}."]},
        )


@transaction.atomic
def version_update(
    *,
    version: AppVersion,
    raw: bytes | str | None = None,
    fmt: Format | None = None,
    changelog: str | None = None,
    actor: Actor,
) -> AppVersion:
    """Change a version's manifest and/or changelog while it is a draft or rejected.

    Editing a rejected version moves it back to draft (recorded in its history). Raises
    ``Conflict`` when the version is not editable, ``ManifestInvalid`` or
    ``ValidationFailed`` on bad input; nothing is written then.
    """
    app = version.app
    _require_not_deleting(app)
    current = AppVersion.objects.select_for_update().get(pk=version.pk)
    if not version_is_editable(current.status):
        raise Conflict(
            f"Version {current.number} is {current.get_status_display().lower()}: only drafts "
            "and rejected versions can be edited. Create a new version instead.",
            code=CatalogError.VERSION_NOT_EDITABLE,
        )
    changes: dict[str, Any] = {}
    if raw is not None:
        check, text, detected = _read_manifest(raw, fmt)
        assert check.manifest is not None
        number = check.manifest.version
        if number != current.number:
            _check_number_in_order(current, number)
        changes.update(
            number=number,
            manifest=check.manifest.data,
            manifest_source=text,
            manifest_format=detected,
            effective_scopes=list(check.effective_scopes),
        )
    if changelog is not None:
        changes["changelog"] = _clean_changelog(changelog)
    if current.status == VersionStatus.REJECTED:
        version_transition(
            version=current,
            target=VersionStatus.DRAFT,
            party=Party.DEVELOPER,
            actor=actor,
            reason="Edited after rejection.",
        )
    if changes:
        try:
            with transaction.atomic():
                AppVersion.objects.filter(pk=current.pk).update(
                    **changes, updated_at=timezone.now()
                )
        except IntegrityError as exc:
            raise _number_taken(changes["number"]) from exc
    version.refresh_from_db()
    return version


@transaction.atomic
def version_transition(
    *, version: AppVersion, target: str, party: Party, actor: Actor, reason: str = ""
) -> AppVersion:
    """The one write path of a version's status.

    Checks the transition table for the app's type and ``party``, requires a reason where
    the table says so, then moves the status with a compare-and-set update on the status
    the caller saw: when someone else moved the version first, raises ``Conflict`` and
    writes nothing. Records who, when, from, to and why. Raises ``ValidationFailed`` for a
    refused transition or a missing reason.
    """
    app = version.app
    _require_not_deleting(app)
    current = version.status
    if not version_can_transition(app_type=app.type, current=current, target=target, party=party):
        raise Conflict(
            transition_refusal(app_type=app.type, current=current, target=target, party=party),
            code=CatalogError.ILLEGAL_TRANSITION,
        )
    reason = (reason or "").strip()
    if (current, target) in REASON_REQUIRED and not reason:
        raise ValidationFailed(
            "Say why, so the developer knows what to fix.",
            fields={"reason": ["This field is required."]},
        )
    now = timezone.now()
    fields: dict[str, Any] = {"status": target, "status_changed_at": now, "updated_at": now}
    if target == VersionStatus.SUBMITTED and current == VersionStatus.DRAFT:
        fields["submitted_at"] = now
    if target == VersionStatus.PUBLISHED:
        fields["published_at"] = now
    if target == VersionStatus.REJECTED:
        fields["rejection_reason"] = reason
    if target == VersionStatus.APPROVED:
        fields["rejection_reason"] = ""
    # The app's row is locked (``_require_not_deleting``), so no delete commits from here
    # on; the version's status is the compare-and-set, on its own columns so PostgreSQL
    # re-checks it against a concurrent move.
    moved = AppVersion.objects.filter(pk=version.pk, status=current).update(**fields)
    if not moved:
        fresh = AppVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
        label = VersionStatus(fresh).label.lower() if fresh else "deleted"
        raise Conflict(
            f"Someone changed version {version.number} first: it is now {label}. Reload the "
            "page to see its current state.",
            extra={"status": fresh},
        )
    VersionEvent.objects.create(
        version=version,
        actor=actor.user,
        actor_label=actor.label,
        from_status=current,
        to_status=target,
        reason=reason,
    )
    for name, value in fields.items():
        setattr(version, name, value)
    if target == VersionStatus.PUBLISHED:
        _queue_rollout(version, actor)
    return version


def _queue_rollout(version: AppVersion, actor: Actor) -> None:
    """Queue the rollout of a newly published version (``lifecycle.version_rollout``)
    when some installation of the app is on another version: it updates those whose
    grant covers the new scopes and asks the others' admins for approval."""
    if not version.app.installations.exclude(version=version).exists():
        return
    job_create(
        kind=VERSION_ROLLOUT,
        payload={"version_id": version.pk},
        target=f"{version.app.name} {version.number}",
        account=version.app.account,
        created_by=actor.user,
    )


def version_submit(*, version: AppVersion, actor: Actor) -> AppVersion:
    """Send a draft of a public app to the moderation queue."""
    return version_transition(
        version=version, target=VersionStatus.SUBMITTED, party=Party.DEVELOPER, actor=actor
    )


def version_withdraw(*, version: AppVersion, actor: Actor) -> AppVersion:
    """Take a submitted version (not yet claimed by a moderator) back to draft.

    A rejected version is not withdrawn: it becomes a draft by being edited (the table's
    rejected → draft move belongs to ``version_update``). Raises ``Conflict``."""
    if version.status == VersionStatus.REJECTED:
        raise Conflict(
            f"Version {version.number} was rejected, not submitted: there is nothing to "
            "withdraw. Edit it to make it a draft again.",
            code=CatalogError.ILLEGAL_TRANSITION,
        )
    return version_transition(
        version=version,
        target=VersionStatus.DRAFT,
        party=Party.DEVELOPER,
        actor=actor,
        reason="Withdrawn by the developer.",
    )


def version_publish(*, version: AppVersion, actor: Actor) -> AppVersion:
    """Publish: a private app's draft or hidden version, a public app's approved or hidden
    one."""
    return version_transition(
        version=version, target=VersionStatus.PUBLISHED, party=Party.DEVELOPER, actor=actor
    )


def version_hide(*, version: AppVersion, actor: Actor) -> AppVersion:
    """Hide a published version: it can no longer be installed from the catalog."""
    return version_transition(
        version=version, target=VersionStatus.HIDDEN, party=Party.DEVELOPER, actor=actor
    )
