"""Rolling a newly published version out to the installations of older versions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.catalog.models import AppVersion
from apps.catalog.policies import semver_key
from apps.installations.models import Installation, InstallationStatus
from apps.installations.services import RolloutOutcome, installation_rollout
from apps.lifecycle.services.batches import NO_DEADLINE, Deadline

ROLLOUT_BATCH = 200


@dataclass(frozen=True)
class RolloutProgress:
    cursor: int
    counts: dict[str, int]
    finished: bool


def _candidates(version: AppVersion) -> QuerySet[Installation]:
    """Active installations of the version's app on another version."""
    return Installation.objects.filter(
        app_id=version.app_id, status=InstallationStatus.ACTIVE
    ).exclude(version_id=version.pk)


def rollout_candidates(*, version: AppVersion, after: int = 0) -> list[tuple[int, str]]:
    """The rollout's installations after installation id ``after``, in id order:
    (id, installed version number)."""
    return list(
        _candidates(version)
        .filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "version__number")[:ROLLOUT_BATCH]
    )


def rollout_total(*, version: AppVersion) -> int:
    return _candidates(version).count()


def version_rollout_run(
    *,
    version: AppVersion,
    cursor: int,
    counts: dict[str, int],
    deadline: Deadline = NO_DEADLINE,
) -> RolloutProgress:
    """Roll ``version`` out to the installations after ``cursor`` (installation ids, in
    order) until none is left or ``deadline`` passes; each installation in its own
    transaction (``installation_rollout``): updated when its grant covers the version's
    scopes, marked "update needs approval" otherwise, skipped when pinned, newer or no
    longer active. Idempotent: an installation done before is skipped the second time.
    """
    counts = {outcome.value: counts.get(outcome.value, 0) for outcome in RolloutOutcome}
    target = semver_key(version.number)
    while True:
        batch = rollout_candidates(version=version, after=cursor)
        for installation_id, number in batch:
            if semver_key(number) >= target:
                outcome = RolloutOutcome.SKIPPED
            else:
                outcome = installation_rollout(installation_id=installation_id, version=version)
            counts[outcome.value] += 1
            cursor = installation_id
            if deadline.passed():
                return RolloutProgress(cursor=cursor, counts=counts, finished=False)
        if len(batch) < ROLLOUT_BATCH:
            return RolloutProgress(cursor=cursor, counts=counts, finished=True)
