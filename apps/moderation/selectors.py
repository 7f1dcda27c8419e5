"""Reads of moderation: the queue and the reviews of a version. Moderators only: the
console and API check ``user_is_moderator`` before calling these."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from apps.catalog.models import AppVersion
from apps.catalog.selectors import version_list_in_moderation
from apps.core.errors import NotFound
from apps.moderation.models import Review


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
