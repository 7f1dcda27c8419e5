"""The review page shows the listing against what the catalog needs, by the catalog's own
rule, and warns beside "matches the listing" when it is incomplete. Approving stays
possible: listing edits need no moderation."""

import re

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.catalog.models import App, VersionStatus
from apps.catalog.services import app_list_in_catalog
from apps.core.errors import ValidationFailed
from apps.moderation.models import Review
from apps.moderation.policies import CHECKLIST_KEYS
from apps.moderation.services import review_claim
from tests.apps.api.helpers import API, api_client
from tests.console.moderation.conftest import snapshot
from tests.factories import make_app, make_version

ALL_TICKED = {"approve-checklist": list(CHECKLIST_KEYS)}


def url(name: str, version) -> str:
    return reverse(f"console:moderation:review-{name}", kwargs={"version_id": version.pk})


def checklist_html(html: str) -> str:
    return html.split('id="id_approve-checklist"')[1].split('class="field__help"')[0]


def listing_card(html: str) -> str:
    return html.split('id="review-listing"')[1].split("</section>")[0]


@pytest.fixture
def bare_app(account, developer):
    """A public app whose developer has not written its listing yet."""
    return make_app(account=account, name="Helpdesk Bridge", type="public", user=developer)


@pytest.fixture
def bare_claimed(bare_app, moderator):
    version = make_version(app=bare_app, number="1.0.0", status="submitted")
    review_claim(version=version, actor=actor_for_user(user=moderator))
    version.refresh_from_db()
    return version


class TestComplete:
    def test_every_piece_is_filled_and_nothing_is_flagged(self, client_for, moderator, submitted):
        review_claim(version=submitted, actor=actor_for_user(user=moderator))

        response = client_for(moderator).get(url("detail", submitted))

        html = response.content.decode()
        assert response.context["listing"].text_complete
        assert 'id="listing-warning"' not in html
        assert 'id="listing-incomplete"' not in html
        card = listing_card(html)
        for label in ("Summary", "Description", "Support e-mail or URL"):
            assert f"✓ {label}: filled" in card
        assert "Not listed in the catalog" in card


class TestIncomplete:
    def test_the_listing_card_names_what_is_missing(self, client_for, moderator, bare_claimed):
        html = client_for(moderator).get(url("detail", bare_claimed)).content.decode()

        card = listing_card(html)
        assert "The listing is incomplete:" in card
        assert "✗ Summary: missing" in card
        assert "Write a one-line summary for the catalog." in card
        assert "✗ Description: missing" in card
        assert "✗ Support e-mail or URL: missing" in card

    def test_a_warning_sits_beside_matches_the_listing(self, client_for, moderator, bare_claimed):
        html = client_for(moderator).get(url("detail", bare_claimed)).content.decode()

        checklist = checklist_html(html)
        functionality = checklist.index('value="functionality"')
        warning = checklist.index('id="listing-warning"')
        next_item = checklist.index('value="works_as_described"')
        assert functionality < warning < next_item
        text = re.sub(r"\s+", " ", checklist[warning:next_item])
        assert (
            "The listing is incomplete (missing: summary, description, support e-mail or url)"
            in (text)
        )
        assert 'href="#review-listing"' in text

    def test_only_the_missing_pieces_are_named(self, client_for, moderator, bare_app, bare_claimed):
        App.objects.filter(pk=bare_app.pk).update(
            summary="Tickets become tasks.", support_url="https://help.example.com"
        )

        html = client_for(moderator).get(url("detail", bare_claimed)).content.decode()

        assert "(missing: description)" in html
        card = listing_card(html)
        assert "✓ Summary: filled" in card
        # A support URL alone is enough, as it is for the catalog.
        assert "✓ Support e-mail or URL: filled" in card

    def test_blank_text_counts_as_missing_as_in_the_catalog(
        self, client_for, moderator, bare_app, bare_claimed
    ):
        App.objects.filter(pk=bare_app.pk).update(
            summary="   ", description="Tasks.", support_email="help@example.com"
        )
        bare_app.refresh_from_db()
        # The catalog's own refusal finds the same piece missing as the review page does.
        with pytest.raises(ValidationFailed) as refused:
            app_list_in_catalog(app=bare_app)
        assert list(refused.value.fields) == ["versions", "summary"]

        html = client_for(moderator).get(url("detail", bare_claimed)).content.decode()

        assert "(missing: summary)" in html

    def test_the_warning_shows_for_a_moderator_who_has_not_claimed_it(
        self, client_for, other_moderator, bare_claimed
    ):
        html = client_for(other_moderator).get(url("detail", bare_claimed)).content.decode()

        assert 'id="listing-warning"' in html

    def test_approving_stays_possible(self, client_for, moderator, bare_claimed):
        response = client_for(moderator).post(url("approve", bare_claimed), ALL_TICKED)

        assert response.status_code == 302
        bare_claimed.refresh_from_db()
        assert bare_claimed.status == VersionStatus.APPROVED
        assert Review.objects.get(version=bare_claimed).decision == Review.Decision.APPROVED

    def test_a_refused_approval_keeps_the_warning(self, client_for, moderator, bare_claimed):
        before = snapshot()

        response = client_for(moderator).post(
            url("approve", bare_claimed), {"approve-checklist": ["functionality"]}
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="listing-warning"' in html
        assert "Not checked: The app works as described." in html
        assert snapshot() == before


class TestAccess:
    @pytest.mark.parametrize(
        "persona", ["member", "developer", "admin", "outsider", "staff_without_permission"]
    )
    def test_only_moderators_see_the_listing_state(
        self, client_for, request, persona, bare_claimed
    ):
        response = client_for(request.getfixturevalue(persona)).get(url("detail", bare_claimed))

        assert response.status_code == 403
        assert "listing-warning" not in response.content.decode()


class TestApi:
    def test_the_review_answer_says_what_the_listing_still_needs(
        self, moderator, bare_app, bare_claimed
    ):
        App.objects.filter(pk=bare_app.pk).update(summary="Tickets become tasks.")

        body = api_client(moderator).get(f"{API}/moderation/versions/{bare_claimed.pk}").json()

        assert body["listing"]["missing"] == {
            "description": ["Describe what the app does for the catalog."],
            "support_email": ["Give a support e-mail address or a support URL."],
        }

    def test_a_complete_listing_needs_nothing(self, moderator, submitted):
        body = api_client(moderator).get(f"{API}/moderation/versions/{submitted.pk}").json()

        assert body["listing"]["missing"] == {}
