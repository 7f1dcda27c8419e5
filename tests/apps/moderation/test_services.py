"""Moderation writes: claim, release, approve and reject, each through the catalog's one
write path. Only moderators act; only the claimant releases or decides; every refusal
writes nothing."""

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.actors import actor_for_user
from apps.catalog.models import AppVersion, VersionStatus
from apps.catalog.services import app_delete, version_submit, version_update
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from apps.moderation.models import Review
from apps.moderation.services import review_approve, review_claim, review_reject, review_release
from tests.apps.catalog.services.helpers import catalog_rows, history
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import by, make_app, make_version

pytestmark = pytest.mark.django_db

S = VersionStatus
ALL_TICKED = {"functionality": True, "works_as_described": True, "security": True, "scopes": True}


@pytest.fixture
def app(account):
    return make_app(account=account)


@pytest.fixture
def submitted(app):
    return make_version(app=app, status=S.SUBMITTED)


@pytest.fixture
def other_moderator(db):
    user = UserFactory(email="second@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    return user


@pytest.fixture
def claimed(submitted, moderator):
    review_claim(version=submitted, actor=actor_for_user(user=moderator))
    return AppVersion.objects.get(pk=submitted.pk)


def status(version):
    return AppVersion.objects.get(pk=version.pk).status


class TestClaim:
    def test_claim_opens_a_review_and_moves_the_version_into_review(self, submitted, moderator):
        review = review_claim(version=submitted, actor=actor_for_user(user=moderator))

        review = Review.objects.get(pk=review.pk)
        assert review.version_id == submitted.pk
        assert review.moderator == moderator
        assert review.moderator_label == "moderator@platform.test"
        assert review.claimed_at is not None
        assert review.is_open
        assert (review.decision, review.reason, review.checklist) == ("", "", {})
        assert status(submitted) == S.IN_REVIEW
        assert history(submitted)[-1] == ("moderator@platform.test", "submitted", "in_review", "")

    def test_a_superuser_moderates(self, submitted, staff):
        review_claim(version=submitted, actor=actor_for_user(user=staff))

        assert status(submitted) == S.IN_REVIEW

    def test_a_claimed_version_cannot_be_claimed_again(self, claimed, other_moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_claim(version=claimed, actor=actor_for_user(user=other_moderator))

        assert caught.value.code == "illegal_transition"
        assert catalog_rows() == before

    def test_a_stale_claim_loses_the_compare_and_set(self, submitted, moderator, other_moderator):
        stale = AppVersion.objects.get(pk=submitted.pk)
        review_claim(version=submitted, actor=actor_for_user(user=moderator))
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_claim(version=stale, actor=actor_for_user(user=other_moderator))

        assert caught.value.code == "conflict"
        assert catalog_rows() == before
        assert Review.objects.count() == 1

    @pytest.mark.parametrize("current", [S.DRAFT, S.APPROVED, S.REJECTED, S.PUBLISHED])
    def test_only_submitted_versions_can_be_claimed(self, app, moderator, current):
        version = make_version(app=app, status=current)
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_claim(version=version, actor=actor_for_user(user=moderator))

        assert caught.value.code == "illegal_transition"
        assert catalog_rows() == before

    def test_a_deleting_app_cannot_be_reviewed(self, submitted, moderator):
        app_delete(app=submitted.app)
        version = AppVersion.objects.get(pk=submitted.pk)
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_claim(version=version, actor=actor_for_user(user=moderator))

        assert caught.value.code == "app_deleting"
        assert catalog_rows() == before


class TestRelease:
    def test_release_gives_the_version_back_to_the_queue(self, claimed, moderator):
        review = review_release(version=claimed, actor=actor_for_user(user=moderator))

        assert review.released_at is not None
        assert review.decided_at is None
        assert not review.is_open
        assert status(claimed) == S.SUBMITTED
        assert history(claimed)[-1] == (
            "moderator@platform.test",
            "in_review",
            "submitted",
            "Released back to the queue.",
        )

    def test_a_released_version_can_be_claimed_by_someone_else(
        self, claimed, moderator, other_moderator
    ):
        review_release(version=claimed, actor=actor_for_user(user=moderator))

        review_claim(
            version=AppVersion.objects.get(pk=claimed.pk),
            actor=actor_for_user(user=other_moderator),
        )

        reviews = list(Review.objects.order_by("pk"))
        assert [(r.moderator_label, r.is_open) for r in reviews] == [
            ("moderator@platform.test", False),
            ("second@platform.test", True),
        ]

    def test_only_the_claimant_can_release(self, claimed, other_moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_release(version=claimed, actor=actor_for_user(user=other_moderator))

        assert caught.value.code == "claimed_by_other"
        assert caught.value.message == (
            "moderator@platform.test is reviewing this version. Ask them to release it."
        )
        assert catalog_rows() == before

    def test_an_unclaimed_version_cannot_be_released(self, submitted, moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_release(version=submitted, actor=actor_for_user(user=moderator))

        assert caught.value.code == "not_claimed"
        assert catalog_rows() == before


class TestApprove:
    def test_approve_with_every_item_ticked(self, claimed, moderator):
        review = review_approve(
            version=claimed,
            actor=actor_for_user(user=moderator),
            checklist=ALL_TICKED | {"extra": True},
            notes=" Tried it on the demo account. ",
        )

        review = Review.objects.get(pk=review.pk)
        assert review.decision == Review.Decision.APPROVED
        assert review.decided_at is not None
        assert review.released_at is None
        assert review.reason == ""
        assert review.checklist == ALL_TICKED
        assert review.notes == "Tried it on the demo account."
        assert status(claimed) == S.APPROVED

    def test_notes_stay_out_of_the_history_the_developer_reads(self, claimed, moderator):
        review_approve(
            version=claimed,
            actor=actor_for_user(user=moderator),
            checklist=ALL_TICKED,
            notes="Internal only.",
        )

        assert history(claimed)[-1] == (
            "moderator@platform.test",
            "in_review",
            "approved",
            "Every checklist item passed.",
        )

    @pytest.mark.parametrize(
        ("checklist", "missing"),
        [
            (None, ["functionality", "works_as_described", "security", "scopes"]),
            ({}, ["functionality", "works_as_described", "security", "scopes"]),
            (ALL_TICKED | {"security": False}, ["security"]),
            ({"functionality": True, "scopes": "yes"}, ["works_as_described", "security"]),
        ],
    )
    def test_every_item_must_be_ticked(self, claimed, moderator, checklist, missing):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            review_approve(
                version=claimed, actor=actor_for_user(user=moderator), checklist=checklist
            )

        labels = {
            "functionality": "The declared functionality is clear and matches the listing",
            "works_as_described": "The app works as described",
            "security": "Security: HTTPS everywhere, no secrets in URLs, safe data handling",
            "scopes": "The requested scopes are sufficient and each is justified",
        }
        assert caught.value.fields == {"checklist": [f"Not checked: {labels[k]}." for k in missing]}
        assert catalog_rows() == before

    def test_only_the_claimant_can_approve(self, claimed, other_moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_approve(
                version=claimed, actor=actor_for_user(user=other_moderator), checklist=ALL_TICKED
            )

        assert caught.value.code == "claimed_by_other"
        assert catalog_rows() == before

    def test_an_unclaimed_version_cannot_be_approved(self, submitted, moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_approve(
                version=submitted, actor=actor_for_user(user=moderator), checklist=ALL_TICKED
            )

        assert caught.value.code == "not_claimed"
        assert catalog_rows() == before


class TestReject:
    def test_reject_with_a_reason_the_developer_sees(self, claimed, moderator):
        review = review_reject(
            version=claimed,
            actor=actor_for_user(user=moderator),
            reason="  fin.invoices:full is not justified.  ",
            checklist={"functionality": True, "scopes": False, "bogus": True},
            notes="Asked the team.",
        )

        review = Review.objects.get(pk=review.pk)
        assert review.decision == Review.Decision.REJECTED
        assert review.reason == "fin.invoices:full is not justified."
        assert review.checklist == {
            "functionality": True,
            "works_as_described": False,
            "security": False,
            "scopes": False,
        }
        assert review.notes == "Asked the team."
        version = AppVersion.objects.get(pk=claimed.pk)
        assert version.status == S.REJECTED
        assert version.rejection_reason == "fin.invoices:full is not justified."
        assert history(claimed)[-1] == (
            "moderator@platform.test",
            "in_review",
            "rejected",
            "fin.invoices:full is not justified.",
        )

    @pytest.mark.parametrize("reason", ["", "  "])
    def test_a_reason_is_required(self, claimed, moderator, reason):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            review_reject(version=claimed, actor=actor_for_user(user=moderator), reason=reason)

        assert caught.value.fields == {"reason": ["This field is required."]}
        assert catalog_rows() == before

    def test_a_too_long_reason_is_refused(self, claimed, moderator):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            review_reject(version=claimed, actor=actor_for_user(user=moderator), reason="x" * 5001)

        assert caught.value.fields == {"reason": ["Use at most 5,000 characters."]}
        assert catalog_rows() == before

    def test_only_the_claimant_can_reject(self, claimed, other_moderator):
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_reject(version=claimed, actor=actor_for_user(user=other_moderator), reason="No.")

        assert caught.value.code == "claimed_by_other"
        assert catalog_rows() == before

    def test_a_decided_version_cannot_be_decided_again(self, claimed, moderator):
        review_reject(version=claimed, actor=actor_for_user(user=moderator), reason="No.")
        version = AppVersion.objects.get(pk=claimed.pk)
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            review_approve(
                version=version, actor=actor_for_user(user=moderator), checklist=ALL_TICKED
            )

        assert caught.value.code == "not_claimed"
        assert catalog_rows() == before


class TestResubmission:
    def test_each_round_leaves_its_own_review(self, claimed, moderator):
        review_reject(
            version=claimed, actor=actor_for_user(user=moderator), reason="Explain the scopes."
        )
        version = AppVersion.objects.get(pk=claimed.pk)
        version_update(version=version, changelog="Scopes explained.", actor=by())
        version_submit(version=version, actor=by())
        review_claim(version=version, actor=actor_for_user(user=moderator))
        review_approve(version=version, actor=actor_for_user(user=moderator), checklist=ALL_TICKED)

        assert list(
            Review.objects.filter(version=version).order_by("pk").values_list("decision", "reason")
        ) == [("rejected", "Explain the scopes."), ("approved", "")]
        assert status(version) == S.APPROVED


@pytest.fixture
def staff_without_permission(db):
    return UserFactory(email="ops@platform.test", is_staff=True)


@pytest.fixture
def inactive_moderator(db):
    user = UserFactory(email="gone@platform.test", is_staff=True, is_active=False)
    user.user_permissions.add(Permission.objects.get(codename="moderate_apps"))
    return user


NOT_MODERATORS = [
    "developer",
    "admin",
    "member",
    "outsider",
    "staff_without_permission",
    "inactive_moderator",
]
CALLS = {
    "claim": lambda v, u: review_claim(version=v, actor=actor_for_user(user=u)),
    "release": lambda v, u: review_release(version=v, actor=actor_for_user(user=u)),
    "approve": lambda v, u: review_approve(
        version=v, actor=actor_for_user(user=u), checklist=ALL_TICKED
    ),
    "reject": lambda v, u: review_reject(version=v, actor=actor_for_user(user=u), reason="No."),
}


@pytest.mark.parametrize("persona", NOT_MODERATORS)
@pytest.mark.parametrize("call", list(CALLS))
def test_only_moderators_act(request, app, moderator, persona, call):
    user = request.getfixturevalue(persona)
    version = make_version(app=app, status=S.SUBMITTED)
    if call != "claim":
        review_claim(version=version, actor=actor_for_user(user=moderator))
        version = AppVersion.objects.get(pk=version.pk)
    before = catalog_rows()

    with pytest.raises(PermissionDenied) as caught:
        CALLS[call](version, user)

    assert caught.value.message == "Only platform moderators can review app versions."
    assert catalog_rows() == before


class TestConflictOfInterest:
    def test_a_moderator_who_belongs_to_the_developer_account_cannot_claim(
        self, account, submitted, moderator
    ):
        MembershipFactory(account=account, user=moderator)
        before = catalog_rows()

        with pytest.raises(PermissionDenied) as refused:
            review_claim(version=submitted, actor=actor_for_user(user=moderator))

        assert refused.value.code == "own_app"
        assert "another moderator must review it" in refused.value.message
        assert catalog_rows() == before
        assert not Review.objects.exists()

    def test_membership_of_another_account_does_not_matter(
        self, other_account, submitted, moderator
    ):
        MembershipFactory(account=other_account, user=moderator)

        review_claim(version=submitted, actor=actor_for_user(user=moderator))

        assert status(submitted) == S.IN_REVIEW


class TestNotes:
    @pytest.mark.parametrize("decide", ["approve", "reject"])
    def test_notes_over_the_limit_are_refused_not_cut(self, claimed, moderator, decide):
        before = catalog_rows()
        long = "n" * 5001

        with pytest.raises(ValidationFailed) as refused:
            if decide == "approve":
                review_approve(
                    version=claimed,
                    actor=actor_for_user(user=moderator),
                    checklist=ALL_TICKED,
                    notes=long,
                )
            else:
                review_reject(
                    version=claimed,
                    actor=actor_for_user(user=moderator),
                    reason="Fix it.",
                    notes=long,
                )

        assert refused.value.fields == {"notes": ["Use at most 5,000 characters."]}
        assert catalog_rows() == before
        assert Review.objects.get().decision == ""
        assert status(claimed) == S.IN_REVIEW
