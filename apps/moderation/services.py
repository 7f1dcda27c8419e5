"""Writes of moderation: claim, release, approve, reject.

Each one moves the version through ``apps.catalog.services.version_transition`` (the one
write path, compare-and-set) inside the same transaction as its review row, so two
moderators acting at once cannot both win: the loser gets ``Conflict`` and nothing of
theirs is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.actors import Actor
from apps.accounts.models import Membership, User
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import version_transition
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.moderation.errors import ModerationError
from apps.moderation.models import Review
from apps.moderation.policies import (
    CHECKLIST,
    actor_can_moderate,
    checklist_clean,
    checklist_missing,
    version_can_review,
)

NOTES_MAX = 5000


def _require_moderator(actor: Actor) -> User:
    """The moderator ``actor`` acts as; ``PermissionDenied`` for anyone else."""
    if actor.user is None or not actor_can_moderate(actor):
        raise PermissionDenied("Only platform moderators can review app versions.")
    return actor.user


def _open_review(version: AppVersion) -> Review | None:
    return Review.objects.filter(
        version=version, released_at__isnull=True, decided_at__isnull=True
    ).first()


def _require_claimant(version: AppVersion, user: User) -> Review:
    review = _open_review(version)
    if review is None or version.status != VersionStatus.IN_REVIEW:
        raise Conflict(
            f"Version {version.number} is not in review: claim it first.",
            code=ModerationError.NOT_CLAIMED,
        )
    if review.moderator_id != user.pk:
        raise Conflict(
            f"{review.moderator_label} is reviewing this version. Ask them to release it.",
            code=ModerationError.CLAIMED_BY_OTHER,
        )
    return review


@transaction.atomic
def review_claim(*, version: AppVersion, actor: Actor) -> Review:
    """Take a submitted version for review (submitted → in review).

    Raises ``Conflict`` when another moderator claimed it first or it is no longer
    submitted; ``PermissionDenied`` for anyone but a moderator, and for a moderator who is
    a member of the account that develops the app (nobody reviews their own app).
    """
    moderator = _require_moderator(actor)
    develops_app = Membership.objects.filter(
        user=moderator, account_id=version.app.account_id
    ).exists()
    if not version_can_review(actor, develops_app=develops_app):
        raise PermissionDenied(
            f"You are a member of {version.app.account.name}, which develops this app: "
            "another moderator must review it.",
            code=ModerationError.OWN_APP,
        )
    version_transition(
        version=version, target=VersionStatus.IN_REVIEW, party=Party.MODERATOR, actor=actor
    )
    try:
        with transaction.atomic():
            return Review.objects.create(
                version=version,
                moderator=moderator,
                moderator_label=actor.label,
                claimed_at=timezone.now(),
            )
    except IntegrityError as exc:  # a review left open by a crash; the CAS above won
        raise Conflict("Another review of this version is open. Reload the queue.") from exc


@transaction.atomic
def review_release(*, version: AppVersion, actor: Actor) -> Review:
    """Give a claimed version back to the queue (in review → submitted). Only the
    moderator who claimed it can release it."""
    review = _require_claimant(version, _require_moderator(actor))
    version_transition(
        version=version,
        target=VersionStatus.SUBMITTED,
        party=Party.MODERATOR,
        actor=actor,
        reason="Released back to the queue.",
    )
    Review.objects.filter(pk=review.pk).update(released_at=timezone.now())
    review.refresh_from_db()
    return review


@transaction.atomic
def review_approve(
    *,
    version: AppVersion,
    actor: Actor,
    checklist: Mapping[str, object] | None,
    notes: str = "",
) -> Review:
    """Approve a version under review. Every checklist item must be ticked
    (``ValidationFailed`` naming ``checklist``). The developer can then publish it."""
    review = _require_claimant(version, _require_moderator(actor))
    notes = _clean_notes(notes)
    ticked = checklist_clean(checklist)
    missing = checklist_missing(ticked)
    if missing:
        labels = dict(CHECKLIST)
        raise ValidationFailed(
            "Tick every checklist item before approving, or reject with a reason.",
            fields={"checklist": [f"Not checked: {labels[key]}." for key in missing]},
        )
    # The history is the developer's to read; notes are for moderators only.
    version_transition(
        version=version,
        target=VersionStatus.APPROVED,
        party=Party.MODERATOR,
        actor=actor,
        reason="Every checklist item passed.",
    )
    return _decide(review, Review.Decision.APPROVED, reason="", checklist=ticked, notes=notes)


@transaction.atomic
def review_reject(
    *,
    version: AppVersion,
    actor: Actor,
    reason: str,
    checklist: Mapping[str, object] | None = None,
    notes: str = "",
) -> Review:
    """Reject a version under review with a reason the developer sees (``ValidationFailed``
    naming ``reason`` when it is blank). The developer edits the version (it goes back to
    draft) and submits again."""
    review = _require_claimant(version, _require_moderator(actor))
    notes = _clean_notes(notes)
    reason = (reason or "").strip()
    if len(reason) > 5000:
        raise ValidationFailed(
            "The reason is too long.", fields={"reason": ["Use at most 5,000 characters."]}
        )
    version_transition(
        version=version,
        target=VersionStatus.REJECTED,
        party=Party.MODERATOR,
        actor=actor,
        reason=reason,
    )
    return _decide(
        review,
        Review.Decision.REJECTED,
        reason=reason,
        checklist=checklist_clean(checklist),
        notes=notes,
    )


def _clean_notes(notes: str) -> str:
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationFailed(
            "The notes are too long.", fields={"notes": [f"Use at most {NOTES_MAX:,} characters."]}
        )
    return notes


def _decide(
    review: Review, decision: str, *, reason: str, checklist: dict[str, bool], notes: str
) -> Review:
    Review.objects.filter(pk=review.pk).update(
        decision=decision,
        decided_at=timezone.now(),
        reason=reason,
        checklist=checklist,
        notes=notes,
    )
    review.refresh_from_db()
    return review
