"""Claim, release, approve and reject through the pages: who may, what is recorded, and
what a loser of a race or a bad input sees (with nothing changed)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.catalog.models import VersionEvent, VersionStatus
from apps.moderation.models import Review
from apps.moderation.policies import CHECKLIST_KEYS
from apps.moderation.services import review_approve, review_claim
from tests.console.conftest import login_url
from tests.console.moderation.conftest import snapshot
from tests.factories import make_app, make_version

ALL_TICKED = {"approve-checklist": list(CHECKLIST_KEYS)}
DENIED = ["member", "developer", "admin", "outsider", "other_developer", "staff_without_permission"]


def url(name: str, version) -> str:
    return reverse(f"console:moderation:review-{name}", kwargs={"version_id": version.pk})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def last_event(version) -> tuple:
    event = VersionEvent.objects.filter(version=version).order_by("-pk").first()
    return event.actor_label, event.from_status, event.to_status, event.reason


@pytest.fixture
def claimed(submitted, moderator):
    review_claim(version=submitted, actor=actor_for_user(user=moderator))
    submitted.refresh_from_db()
    return submitted


class TestAccess:
    """Every action refuses non-moderators and changes nothing."""

    @pytest.mark.parametrize("action", ["claim", "release", "approve", "reject"])
    def test_anonymous_is_sent_to_login(self, client_for, claimed, action):
        before = snapshot()
        target = url(action, claimed)

        response = client_for(None).post(target, {**ALL_TICKED, "reject-reason": "No."})

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot() == before

    @pytest.mark.parametrize("action", ["claim", "release", "approve", "reject"])
    @pytest.mark.parametrize("persona", DENIED)
    def test_everyone_but_moderators_is_refused(
        self, client_for, request, claimed, submitted, persona, action
    ):
        before = snapshot()

        response = client_for(request.getfixturevalue(persona)).post(
            url(action, claimed), {**ALL_TICKED, "reject-reason": "No."}
        )

        assert response.status_code == 403
        assert snapshot() == before

    @pytest.mark.parametrize("action", ["claim", "release", "approve", "reject"])
    def test_get_is_not_allowed(self, client_for, moderator, claimed, action):
        before = snapshot()

        assert client_for(moderator).get(url(action, claimed)).status_code == 405
        assert snapshot() == before

    @pytest.mark.parametrize("action", ["claim", "release", "approve", "reject"])
    def test_a_private_apps_version_is_not_found(self, client_for, moderator, account, action):
        private = make_app(account=account, name="Internal", type="private")
        version = make_version(app=private, number="1.0.0")
        before = snapshot()

        response = client_for(moderator).post(url(action, version), ALL_TICKED)

        assert response.status_code == 404
        assert snapshot() == before


class TestClaim:
    def test_claim_takes_the_version_and_records_it(self, client_for, moderator, submitted):
        response = client_for(moderator).post(url("claim", submitted))

        assert response.status_code == 302
        assert response.url == url("detail", submitted)
        assert messages_of(response) == ["You claimed Invoicer 1.0.0: it is yours to review."]
        submitted.refresh_from_db()
        assert submitted.status == VersionStatus.IN_REVIEW
        review = Review.objects.get(version=submitted)
        assert (review.moderator, review.moderator_label, review.is_open) == (
            moderator,
            "moderator@platform.test",
            True,
        )
        assert last_event(submitted) == ("moderator@platform.test", "submitted", "in_review", "")

    def test_a_second_moderator_gets_a_clear_conflict_and_the_review_stays(
        self, client_for, moderator, other_moderator, submitted
    ):
        client_for(moderator).post(url("claim", submitted))
        before = snapshot()

        response = client_for(other_moderator).post(url("claim", submitted), follow=True)

        assert response.redirect_chain == [(url("detail", submitted), 302)]
        html = response.content.decode()
        assert (
            "moderator@platform.test claimed Invoicer 1.0.0 first; the review stays with them."
            in html
        )
        assert snapshot() == before
        assert Review.objects.get(version=submitted).moderator == moderator

    def test_claiming_twice_says_so(self, client_for, moderator, claimed):
        before = snapshot()

        response = client_for(moderator).post(url("claim", claimed))

        assert messages_of(response) == ["You already claimed Invoicer 1.0.0."]
        assert snapshot() == before

    def test_a_decided_version_cannot_be_claimed(self, client_for, moderator, public_app):
        approved = make_version(app=public_app, number="1.0.0", status="approved")
        before = snapshot()

        response = client_for(moderator).post(url("claim", approved))

        [message] = messages_of(response)
        assert message.startswith("An approved version of a public app cannot become in review")
        assert snapshot() == before


class TestRelease:
    def test_the_claimant_gives_it_back(self, client_for, moderator, claimed):
        response = client_for(moderator).post(url("release", claimed))

        assert response.status_code == 302
        assert response.url == reverse("console:moderation:review-list")
        assert messages_of(response) == ["Invoicer 1.0.0 is back in the queue."]
        claimed.refresh_from_db()
        assert claimed.status == VersionStatus.SUBMITTED
        assert Review.objects.get(version=claimed).released_at is not None
        assert last_event(claimed) == (
            "moderator@platform.test",
            "in_review",
            "submitted",
            "Released back to the queue.",
        )

    def test_another_moderator_cannot_release_it(self, client_for, other_moderator, claimed):
        before = snapshot()

        response = client_for(other_moderator).post(url("release", claimed))

        assert response.status_code == 302
        assert response.url == url("detail", claimed)
        assert messages_of(response) == [
            "moderator@platform.test is reviewing this version. Ask them to release it."
        ]
        assert snapshot() == before


class TestApprove:
    def test_approve_with_the_whole_checklist(self, client_for, moderator, claimed):
        response = client_for(moderator).post(
            url("approve", claimed), {**ALL_TICKED, "approve-notes": "Tested on staging."}
        )

        assert response.status_code == 302
        assert response.url == reverse("console:moderation:review-list")
        assert messages_of(response) == [
            "Invoicer 1.0.0 is approved; its developer can publish it now."
        ]
        claimed.refresh_from_db()
        assert claimed.status == VersionStatus.APPROVED
        review = Review.objects.get(version=claimed)
        assert review.decision == Review.Decision.APPROVED
        assert review.checklist == dict.fromkeys(CHECKLIST_KEYS, True)
        assert review.notes == "Tested on staging."
        assert last_event(claimed) == (
            "moderator@platform.test",
            "in_review",
            "approved",
            "Every checklist item passed.",
        )

    def test_every_checklist_item_is_required(self, client_for, moderator, claimed):
        before = snapshot()

        response = client_for(moderator).post(
            url("approve", claimed), {"approve-checklist": ["functionality", "scopes"]}
        )

        assert response.status_code == 200
        assert response.context["approve_form"].errors == {
            "checklist": [
                "Not checked: The app works as described.",
                "Not checked: Security: HTTPS everywhere, no secrets in URLs, safe data handling.",
            ]
        }
        html = response.content.decode()
        assert '<p class="field__error">Not checked: The app works as described.</p>' in html
        # The ticks the moderator made are kept.
        assert (
            'value="functionality" id="id_approve-checklist_0" aria-invalid="true" checked' in html
        )
        assert 'value="security" id="id_approve-checklist_2" aria-invalid="true">' in html
        assert snapshot() == before

    def test_an_unknown_checklist_item_is_refused_by_the_form(self, client_for, moderator, claimed):
        before = snapshot()

        response = client_for(moderator).post(
            url("approve", claimed), {"approve-checklist": ["everything"]}
        )

        assert response.status_code == 200
        assert list(response.context["approve_form"].errors) == ["checklist"]
        assert snapshot() == before

    def test_someone_who_did_not_claim_it_gets_a_conflict(
        self, client_for, other_moderator, claimed
    ):
        before = snapshot()

        response = client_for(other_moderator).post(url("approve", claimed), ALL_TICKED)

        assert response.status_code == 409
        assert response.context["approve_form"].non_field_errors() == [
            "moderator@platform.test is reviewing this version. Ask them to release it."
        ]
        assert snapshot() == before

    def test_an_unclaimed_version_cannot_be_approved(self, client_for, moderator, submitted):
        before = snapshot()

        response = client_for(moderator).post(url("approve", submitted), ALL_TICKED)

        assert response.status_code == 409
        assert response.context["approve_form"].non_field_errors() == [
            "Version 1.0.0 is not in review: claim it first."
        ]
        assert snapshot() == before

    def test_deciding_twice_is_a_conflict(self, client_for, moderator, claimed):
        review_approve(
            version=claimed,
            actor=actor_for_user(user=moderator),
            checklist=dict.fromkeys(CHECKLIST_KEYS, True),
        )
        before = snapshot()

        response = client_for(moderator).post(url("approve", claimed), ALL_TICKED)

        assert response.status_code == 409
        assert snapshot() == before


class TestReject:
    def test_reject_with_a_reason_the_developer_sees(self, client_for, moderator, claimed):
        response = client_for(moderator).post(
            url("reject", claimed),
            {"reject-reason": "  Scope fin.invoices:full is not justified.  ", "reject-notes": ""},
        )

        assert response.status_code == 302
        assert messages_of(response) == [
            "Invoicer 1.0.0 is rejected; its developer sees your reason."
        ]
        claimed.refresh_from_db()
        assert claimed.status == VersionStatus.REJECTED
        assert claimed.rejection_reason == "Scope fin.invoices:full is not justified."
        review = Review.objects.get(version=claimed)
        assert (review.decision, review.reason) == (
            Review.Decision.REJECTED,
            "Scope fin.invoices:full is not justified.",
        )
        assert last_event(claimed) == (
            "moderator@platform.test",
            "in_review",
            "rejected",
            "Scope fin.invoices:full is not justified.",
        )

    @pytest.mark.parametrize(
        ("reason", "error"),
        [
            ("", "This field is required."),
            ("   ", "This field is required."),
            ("x" * 5001, "Use at most 5,000 characters."),
        ],
    )
    def test_the_reason_is_required(self, client_for, moderator, claimed, reason, error):
        before = snapshot()

        response = client_for(moderator).post(url("reject", claimed), {"reject-reason": reason})

        assert response.status_code == 200
        assert response.context["reject_form"].errors == {"reason": [error]}
        assert f'<p class="field__error">{error}</p>' in response.content.decode()
        assert snapshot() == before

    def test_someone_who_did_not_claim_it_gets_a_conflict(
        self, client_for, other_moderator, claimed
    ):
        before = snapshot()

        response = client_for(other_moderator).post(
            url("reject", claimed), {"reject-reason": "No."}
        )

        assert response.status_code == 409
        assert response.context["reject_form"].non_field_errors() == [
            "moderator@platform.test is reviewing this version. Ask them to release it."
        ]
        # The reason typed is kept on the form.
        assert "No.</textarea>" in response.content.decode()
        assert snapshot() == before


def test_the_whole_round_shows_in_the_history(client_for, moderator, other_moderator, submitted):
    """Claim, release, claim by another moderator, reject: each step recorded and shown."""
    first, second = client_for(moderator), client_for(other_moderator)
    first.post(url("claim", submitted))
    first.post(url("release", submitted))
    second.post(url("claim", submitted))
    second.post(url("reject", submitted), {"reject-reason": "Broken link."})

    response = first.get(url("detail", submitted))

    assert [
        (e.actor_label, e.from_status, e.to_status, e.reason) for e in response.context["history"]
    ] == [
        ("test", "", "draft", "Created."),
        ("test", "draft", "submitted", ""),
        ("moderator@platform.test", "submitted", "in_review", ""),
        ("moderator@platform.test", "in_review", "submitted", "Released back to the queue."),
        ("second.moderator@platform.test", "submitted", "in_review", ""),
        ("second.moderator@platform.test", "in_review", "rejected", "Broken link."),
    ]
    reviews = [row["review"] for row in response.context["reviews"]]
    assert [(r.moderator_label, r.decision, r.released_at is not None) for r in reviews] == [
        ("second.moderator@platform.test", "rejected", False),
        ("moderator@platform.test", "", True),
    ]
    assert "Broken link." in response.content.decode()
