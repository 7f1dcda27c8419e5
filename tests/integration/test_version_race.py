"""Real races on a version's status: two threads, each with its own database connection,
released together by a barrier. The compare-and-set in ``version_transition`` lets
exactly one win; the other gets ``Conflict`` and writes nothing.

On SQLite (WAL, ``BEGIN IMMEDIATE``) the loser waits for the winner's commit and then
fails the compare-and-set; on PostgreSQL its UPDATE waits on the row lock and then
matches no row. Either way the history holds one event per move.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connections

from apps.accounts.actors import actor_for_user
from apps.catalog.models import AppVersion, VersionEvent, VersionStatus
from apps.catalog.services import version_publish, version_withdraw
from apps.core.errors import ApplicationError, Conflict
from apps.moderation.models import Review
from apps.moderation.services import review_claim
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_version

pytestmark = pytest.mark.django_db(transaction=True)

S = VersionStatus
ROUNDS = 5


@dataclass
class Outcome:
    name: str
    result: Any = None
    error: BaseException | None = None


def race(version: AppVersion, **contenders: Callable[[AppVersion], Any]) -> dict[str, Outcome]:
    """Run each contender in its own thread with its own connection, all released at once.

    Each thread loads the version before the barrier, so every contender acts on the
    status it saw, as two people with the same page open would.
    """
    barrier = threading.Barrier(len(contenders))
    outcomes = {name: Outcome(name) for name in contenders}

    def run(name: str, act: Callable[[AppVersion], Any]) -> None:
        outcome = outcomes[name]
        try:
            seen = AppVersion.objects.select_related("app").get(pk=version.pk)
            barrier.wait(timeout=30)
            outcome.result = act(seen)
        except BaseException as exc:  # recorded and asserted on by the test
            outcome.error = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(name, act), name=f"race-{name}")
        for name, act in contenders.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a contender hung"
    return outcomes


def winner_and_loser(outcomes: dict[str, Outcome]) -> tuple[Outcome, Outcome]:
    """Exactly one contender succeeded and the other lost the compare-and-set."""
    for outcome in outcomes.values():
        if outcome.error is not None and not isinstance(outcome.error, ApplicationError):
            raise outcome.error
    won = [o for o in outcomes.values() if o.error is None]
    lost = [o for o in outcomes.values() if o.error is not None]
    assert len(won) == 1, {o.name: o.error for o in outcomes.values()}
    assert len(lost) == 1
    assert isinstance(lost[0].error, Conflict)
    assert lost[0].error.code == "conflict"
    assert lost[0].error.status_code == 409
    return won[0], lost[0]


def moves(version: AppVersion) -> list[tuple[str, str, str]]:
    return list(
        VersionEvent.objects.filter(version=version)
        .order_by("pk")
        .values_list("actor_label", "from_status", "to_status")
    )


@pytest.fixture
def second_moderator(db):
    user = UserFactory(email="second@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    return user


@pytest.fixture
def second_developer(account):
    return MembershipFactory(
        account=account, user=UserFactory(email="dev2@acme.test"), is_developer=True
    ).user


def test_two_moderators_claim_the_same_version(account, moderator, second_moderator):
    app = make_app(account=account)
    for round_ in range(ROUNDS):
        version = make_version(app=app, number=f"1.0.{round_}", status=S.SUBMITTED)

        outcomes = race(
            version,
            first=lambda v: review_claim(version=v, actor=actor_for_user(user=moderator)),
            second=lambda v: review_claim(version=v, actor=actor_for_user(user=second_moderator)),
        )

        won, _ = winner_and_loser(outcomes)
        claimant = moderator if won.name == "first" else second_moderator
        assert AppVersion.objects.get(pk=version.pk).status == S.IN_REVIEW
        reviews = list(Review.objects.filter(version=version))
        assert len(reviews) == 1
        assert reviews[0].moderator == claimant
        assert reviews[0].is_open
        assert moves(version)[1:] == [
            ("test", "draft", "submitted"),
            (claimant.email, "submitted", "in_review"),
        ]


def test_the_developer_withdraws_while_a_moderator_claims(account, developer, moderator):
    app = make_app(account=account)
    for round_ in range(ROUNDS):
        version = make_version(app=app, number=f"2.0.{round_}", status=S.SUBMITTED)

        outcomes = race(
            version,
            withdraw=lambda v: version_withdraw(version=v, actor=actor_for_user(user=developer)),
            claim=lambda v: review_claim(version=v, actor=actor_for_user(user=moderator)),
        )

        won, _ = winner_and_loser(outcomes)
        after_submit = moves(version)[2:]
        assert len(after_submit) == 1
        stored = AppVersion.objects.get(pk=version.pk)
        if won.name == "withdraw":
            assert stored.status == S.DRAFT
            assert after_submit == [("dev@acme.test", "submitted", "draft")]
            assert not Review.objects.filter(version=version).exists()
        else:
            assert stored.status == S.IN_REVIEW
            assert after_submit == [("moderator@platform.test", "submitted", "in_review")]
            assert Review.objects.filter(version=version).count() == 1


def test_two_developers_publish_the_same_approved_version(account, developer, second_developer):
    app = make_app(account=account)
    for round_ in range(ROUNDS):
        version = make_version(app=app, number=f"3.0.{round_}", status=S.APPROVED)

        outcomes = race(
            version,
            first=lambda v: version_publish(version=v, actor=actor_for_user(user=developer)),
            second=lambda v: version_publish(
                version=v, actor=actor_for_user(user=second_developer)
            ),
        )

        won, lost = winner_and_loser(outcomes)
        publisher = developer if won.name == "first" else second_developer
        assert lost.error.extra == {"status": "published"}
        assert AppVersion.objects.get(pk=version.pk).status == S.PUBLISHED
        assert [m for m in moves(version) if m[2] == "published"] == [
            (publisher.email, "approved", "published")
        ]
