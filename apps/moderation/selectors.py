"""Reads of moderation: the queue and the reviews of a version. Moderators only: the
console and API check ``actor_can_moderate`` before calling these; the queue summary,
which takes the ``Actor``, asks it itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from apps.accounts.actors import Actor
from apps.catalog.models import AppVersion
from apps.catalog.selectors import version_list_in_moderation
from apps.core.errors import NotFound, PermissionDenied
from apps.moderation.models import Review
from apps.moderation.policies import actor_can_moderate


def review_queue() -> QuerySet[AppVersion]:
    """Versions waiting for or in review, oldest submission first, each with
    ``claimed_by`` (the open review's moderator label) and ``claimed_by_id``."""
    open_reviews = Review.objects.filter(
        version=OuterRef("pk"), released_at__isnull=True, decided_at__isnull=True
    )
    return version_list_in_moderation().annotate(
        claimed_by=Subquery(open_reviews.values("moderator_label")[:1]),
        claimed_by_id=Subquery(open_reviews.values("moderator_id")[:1]),
    )


@dataclass(frozen=True)
class QueueSummary:
    """What waits for a moderator: ``waiting`` versions nobody has claimed,
    ``claimed_by_me`` versions they claimed, ``mine`` the first of those (oldest first)."""

    waiting: int
    claimed_by_me: int
    mine: list[AppVersion]


def review_queue_summary(*, actor: Actor, limit: int = 5) -> QueueSummary:
    """The queue's counts for the home page of the moderator ``actor`` is, in one query,
    plus the first ``limit`` versions they claimed. ``PermissionDenied`` for anyone but a
    moderator (``actor_can_moderate``, read once per actor: no query when the caller has
    asked it already)."""
    if actor.user is None or not actor_can_moderate(actor):
        raise PermissionDenied("Only platform moderators can review app versions.")
    queue = review_queue()
    claimed_by_me = Q(claimed_by_id=actor.user.pk)
    counts = queue.aggregate(
        waiting=Count("pk", filter=Q(claimed_by_id__isnull=True)),
        claimed_by_me=Count("pk", filter=claimed_by_me),
    )
    mine = list(queue.filter(claimed_by_me)[:limit]) if counts["claimed_by_me"] else []
    return QueueSummary(waiting=counts["waiting"], claimed_by_me=counts["claimed_by_me"], mine=mine)


def review_version_get(*, version_id: int) -> AppVersion:
    """A version in the queue, or any version of a public app that was ever submitted
    for review (so decisions stay readable). ``NotFound`` otherwise: a draft never sent
    for review is the developer's own."""
    version = (
        AppVersion.objects.select_related("app", "app__account")
        .filter(pk=version_id, app__type="public", submitted_at__isnull=False)
        .first()
    )
    if version is None:
        raise NotFound("No such version to review.")
    return version


def review_list_for_version(*, version: AppVersion) -> QuerySet[Review]:
    return Review.objects.filter(version=version).select_related("moderator")


def review_open_for_version(*, version: AppVersion) -> Review | None:
    return (
        review_list_for_version(version=version)
        .filter(released_at__isnull=True, decided_at__isnull=True)
        .first()
    )
