"""Moderation reads: the queue with who claimed what, and the reviews of a version."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.accounts.actors import actor_for_api_key, actor_for_user, actor_system
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.services import app_delete, version_withdraw
from apps.core.errors import NotFound, PermissionDenied
from apps.moderation.policies import actor_can_moderate
from apps.moderation.selectors import (
    review_list_for_version,
    review_open_for_version,
    review_queue,
    review_queue_summary,
    review_version_get,
)
from apps.moderation.services import review_claim, review_reject, review_release
from tests.factories import ApiKeyFactory, UserFactory
from tests.factories.catalog import by, make_app, make_version

pytestmark = pytest.mark.django_db

S = VersionStatus


def submitted_days_ago(version, days):
    AppVersion.objects.filter(pk=version.pk).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )


def test_queue_oldest_first_with_the_claimant(account, other_account, moderator):
    young = make_version(app=make_app(account=account, name="Young"), status=S.SUBMITTED)
    old = make_version(app=make_app(account=other_account, name="Old"), status=S.SUBMITTED)
    middle = make_version(app=make_app(account=account, name="Middle"), status=S.SUBMITTED)
    make_version(app=make_app(account=account, name="Draft"))
    make_version(app=make_app(account=account, name="Private", type="private"), status=S.PUBLISHED)
    for version, days in ((young, 1), (old, 10), (middle, 4)):
        submitted_days_ago(version, days)
    review_claim(version=middle, actor=actor_for_user(user=moderator))

    rows = [(v.app.name, v.status, v.claimed_by, v.claimed_by_id) for v in review_queue()]

    assert rows == [
        ("Old", "submitted", None, None),
        ("Middle", "in_review", "moderator@platform.test", moderator.pk),
        ("Young", "submitted", None, None),
    ]


def test_a_released_claim_no_longer_shows(account, moderator):
    version = make_version(app=make_app(account=account), status=S.SUBMITTED)
    review_claim(version=version, actor=actor_for_user(user=moderator))
    review_release(
        version=AppVersion.objects.get(pk=version.pk), actor=actor_for_user(user=moderator)
    )

    assert [(v.claimed_by, v.claimed_by_id) for v in review_queue()] == [(None, None)]


def test_decided_and_deleting_versions_leave_the_queue(account, moderator):
    decided = make_version(app=make_app(account=account, name="Decided"), status=S.SUBMITTED)
    review_claim(version=decided, actor=actor_for_user(user=moderator))
    review_reject(
        version=AppVersion.objects.get(pk=decided.pk),
        actor=actor_for_user(user=moderator),
        reason="No.",
    )
    deleting = make_version(app=make_app(account=account, name="Deleting"), status=S.IN_REVIEW)
    app_delete(app=deleting.app)

    assert list(review_queue()) == []


def test_queue_in_a_fixed_number_of_queries(account, django_assert_num_queries, moderator):
    for i in range(55):
        version = make_version(
            app=make_app(account=account, name=f"App {i:02d}"), status=S.SUBMITTED
        )
        if i % 2:
            review_claim(version=version, actor=actor_for_user(user=moderator))

    with django_assert_num_queries(1):
        rows = [(v.app.account.name, v.app.name, v.claimed_by) for v in review_queue()]

    assert len(rows) == 55
    assert sum(1 for row in rows if row[2]) == 27


class TestVersionGet:
    def test_any_version_of_a_public_app(self, account):
        version = make_version(app=make_app(account=account), status=S.PUBLISHED)

        assert review_version_get(version_id=version.pk) == version

    def test_a_draft_never_submitted_is_not_found(self, account):
        """The developer's work in progress is theirs: moderators see a version only once
        it was sent for review."""
        draft = make_version(app=make_app(account=account), status=S.DRAFT)

        with pytest.raises(NotFound):
            review_version_get(version_id=draft.pk)

    def test_a_version_withdrawn_to_draft_stays_readable(self, account):
        version = make_version(app=make_app(account=account), status=S.SUBMITTED)
        version_withdraw(version=version, actor=by())

        assert review_version_get(version_id=version.pk) == version

    def test_private_and_unknown_versions_are_not_found(self, account):
        private = make_version(app=make_app(account=account, type="private"))

        for version_id in (private.pk, 999_999):
            with pytest.raises(NotFound):
                review_version_get(version_id=version_id)


def test_reviews_of_a_version_newest_first_and_the_open_one(account, moderator, staff):
    version = make_version(app=make_app(account=account), status=S.SUBMITTED)
    assert review_open_for_version(version=version) is None
    first = review_claim(version=version, actor=actor_for_user(user=moderator))
    review_release(
        version=AppVersion.objects.get(pk=version.pk), actor=actor_for_user(user=moderator)
    )
    second = review_claim(
        version=AppVersion.objects.get(pk=version.pk), actor=actor_for_user(user=staff)
    )
    make_version(app=make_app(account=account, name="Other"), status=S.IN_REVIEW)

    assert list(review_list_for_version(version=version)) == [second, first]
    assert review_open_for_version(version=version) == second


def test_the_queue_summary_counts_what_waits_and_what_the_moderator_claimed(
    account, other_account, moderator, django_assert_num_queries
):
    other = UserFactory(email="second.moderator@platform.test", is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    invoicer = make_app(account=account, name="Invoicer", type="public")
    reporter = make_app(account=other_account, name="Reporter", type="public")
    waiting = make_version(app=invoicer, number="1.0.0", status="submitted")
    mine_old = make_version(app=reporter, number="1.0.0", status="submitted")
    mine_new = make_version(app=invoicer, number="2.0.0", status="submitted")
    theirs = make_version(app=reporter, number="2.0.0", status="submitted")
    submitted_days_ago(mine_old, 3)
    review_claim(version=mine_old, actor=actor_for_user(user=moderator))
    review_claim(version=mine_new, actor=actor_for_user(user=moderator))
    review_claim(version=theirs, actor=actor_for_user(user=other))

    actor = actor_for_user(user=moderator)
    assert actor_can_moderate(actor)  # what the home page asks first

    with django_assert_num_queries(2):
        summary = review_queue_summary(actor=actor)

    assert (summary.waiting, summary.claimed_by_me) == (1, 2)
    assert summary.mine == [mine_old, mine_new]
    assert waiting not in summary.mine


def test_the_queue_summary_of_a_moderator_with_nothing_claimed_is_one_query(
    moderator, django_assert_num_queries
):
    actor = actor_for_user(user=moderator)
    assert actor_can_moderate(actor)  # what the home page asks first

    with django_assert_num_queries(1):
        summary = review_queue_summary(actor=actor)

    assert (summary.waiting, summary.claimed_by_me, summary.mine) == (0, 0, [])


def test_the_queue_summary_is_for_moderators_only(account, admin):
    key, _raw = ApiKeyFactory(account=account)
    make_version(app=make_app(account=account, name="Invoicer"), status="submitted")

    for actor in (
        actor_for_user(user=admin),
        actor_for_user(user=UserFactory(email="plain.staff@platform.test", is_staff=True)),
        actor_for_api_key(api_key=key),
        actor_system(label="a command"),
    ):
        with pytest.raises(PermissionDenied):
            review_queue_summary(actor=actor)
