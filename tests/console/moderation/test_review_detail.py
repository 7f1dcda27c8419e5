"""The review page: manifest, scopes with reasons, diff against the last published
version, listing, changelog, decision forms for the claimant only, history and reviews."""

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.catalog.services import app_banner_add, app_logo_set
from apps.moderation.services import review_claim, review_reject
from apps.scopes.policies import scope_phrase
from tests.console.conftest import login_url
from tests.factories import make_app, make_version
from tests.factories.catalog import banner_file, logo_file, manifest_data


def detail_url(version) -> str:
    return reverse("console:moderation:review-detail", kwargs={"version_id": version.pk})


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, submitted):
        url = detail_url(submitted)

        response = client_for(None).get(url)

        assert response.status_code == 302
        assert response.url == login_url(url)

    @pytest.mark.parametrize(
        "persona",
        [
            "member",
            "developer",
            "admin",
            "outsider",
            "other_developer",
            "staff_without_permission",
        ],
    )
    def test_everyone_but_moderators_is_refused(self, client_for, request, persona, submitted):
        response = client_for(request.getfixturevalue(persona)).get(detail_url(submitted))

        assert response.status_code == 403
        assert "Shows the customer on invoices." not in response.content.decode()

    @pytest.mark.parametrize("persona", ["moderator", "staff"])
    def test_moderators_open_it(self, client_for, request, persona, submitted):
        response = client_for(request.getfixturevalue(persona)).get(detail_url(submitted))

        assert response.status_code == 200
        assert response.context["version"] == submitted

    def test_a_private_apps_version_is_not_found(self, client_for, moderator, account):
        private = make_app(account=account, name="Internal", type="private")
        version = make_version(app=private, number="1.0.0", status="published")

        assert client_for(moderator).get(detail_url(version)).status_code == 404

    def test_an_unknown_version_is_not_found(self, client_for, moderator):
        url = reverse("console:moderation:review-detail", kwargs={"version_id": 999999})

        assert client_for(moderator).get(url).status_code == 404


class TestContent:
    def test_shows_what_a_moderator_reads(self, client_for, moderator, submitted, public_app):
        app_logo_set(app=public_app, upload=logo_file())
        banner = app_banner_add(app=public_app, upload=banner_file())

        response = client_for(moderator).get(detail_url(submitted))

        html = response.content.decode()
        # The manifest as sent, the scopes in plain words with reasons.
        assert "&quot;fin.invoices&quot;" in html
        assert (
            "<strong>View CRM accounts, companies and contacts, with their phones and "
            "e-mails</strong>" in html
        )
        assert "Why: Shows the customer on invoices." in html
        assert "Why: Creates invoices from deals." in html
        # No published version yet.
        assert "First version: the app has no published version to compare with" in html
        # The listing, the changelog, the developer.
        assert "Invoices from deals" in html
        assert "Creates invoices from won deals." in html
        assert 'href="mailto:help@invoicer.example.com"' in html
        assert "https://invoicer.example.com/help" in html
        assert reverse("console:marketplace:app-logo", args=[public_app.code]) in html
        assert reverse("console:marketplace:app-banner", args=[public_app.code, banner.pk]) in html
        assert "<p>First release.</p>" in html
        assert "<dt>Developer</dt><dd>Acme Corp</dd>" in html
        # The history so far: created, submitted.
        assert [(e.from_status, e.to_status) for e in response.context["history"]] == [
            ("", "draft"),
            ("draft", "submitted"),
        ]
        assert "Draft → <strong>Submitted</strong>" in html
        assert "No review yet." in html

    def test_the_logo_is_served_to_the_moderator(self, client_for, moderator, public_app):
        app_logo_set(app=public_app, upload=logo_file())

        response = client_for(moderator).get(
            reverse("console:marketplace:app-logo", args=[public_app.code])
        )

        assert response.status_code == 200

    def test_diff_against_the_last_published_version(self, client_for, moderator, public_app):
        make_version(app=public_app, number="1.0.0", status="published")
        scopes = [
            *manifest_data()["scopes"],
            {"code": "task", "level": "read", "reason": "Links invoices to tasks."},
        ]
        new = make_version(
            app=public_app,
            number="1.1.0",
            status="submitted",
            scopes=scopes,
            authorization="user",
        )

        response = client_for(moderator).get(detail_url(new))

        html = response.content.decode()
        assert response.context["against"].number == "1.0.0"
        assert response.context["diff"]["scopes"]["added"] == [
            {"scope": "task:read", "phrase": scope_phrase("task:read")}
        ]
        assert "Compared with <code>1.0.0</code>" in html
        assert (
            f'<li class="list__item diff-added">+ {scope_phrase("task:read")} '
            "<code>task:read</code></li>" in html
        )
        assert "admins re-consent when they update" in html
        assert "~ <code>authorization</code>: account → user" in html
        assert "Why: Links invoices to tasks." in html

    def test_no_change_since_the_published_version(self, client_for, moderator, public_app):
        make_version(app=public_app, number="1.0.0", status="published")
        new = make_version(app=public_app, number="1.0.1", status="submitted")

        html = client_for(moderator).get(detail_url(new)).content.decode()

        assert "The manifest asks for the same as the published version." in html

    def test_decision_forms_are_disabled_until_claimed(self, client_for, moderator, submitted):
        html = client_for(moderator).get(detail_url(submitted)).content.decode()

        assert html.count("<fieldset disabled>") == 2
        assert "Claim this version to approve or reject it." in html
        assert reverse("console:moderation:review-claim", args=[submitted.pk]) in html

    def test_the_claimant_gets_live_forms_and_a_release_button(
        self, client_for, moderator, submitted
    ):
        review_claim(version=submitted, actor=actor_for_user(user=moderator))

        response = client_for(moderator).get(detail_url(submitted))

        html = response.content.decode()
        assert response.context["is_claimant"] is True
        assert "<fieldset disabled>" not in html
        assert html.count("<fieldset>") == 2
        assert reverse("console:moderation:review-release", args=[submitted.pk]) in html
        assert 'name="approve-checklist" value="security"' in html
        assert 'name="reject-reason"' in html
        assert '<dd id="claimed-by">You since' in html

    def test_another_moderator_sees_who_has_it(
        self, client_for, moderator, other_moderator, submitted
    ):
        review_claim(version=submitted, actor=actor_for_user(user=other_moderator))

        html = client_for(moderator).get(detail_url(submitted)).content.decode()

        assert html.count("<fieldset disabled>") == 2
        assert "second.moderator@platform.test is reviewing this version; only they can" in html
        assert reverse("console:moderation:review-release", args=[submitted.pk]) not in html
        assert reverse("console:moderation:review-claim", args=[submitted.pk]) not in html

    def test_a_decided_version_shows_its_reviews(self, client_for, moderator, submitted):
        review_claim(version=submitted, actor=actor_for_user(user=moderator))
        review_reject(
            version=submitted,
            actor=actor_for_user(user=moderator),
            reason="The security item fails: tokens in URLs.",
            checklist={"functionality": True},
        )

        response = client_for(moderator).get(detail_url(submitted))

        html = response.content.decode()
        assert "This version is rejected; there is nothing to decide." in html
        assert "<form" not in html.split('id="review-decision"')[1].split("</section>")[0]
        assert "Reason: The security item fails: tokens in URLs." in html
        assert "✓ The declared functionality is clear and matches the listing" in html
        assert "✗ The app works as described" in html
        assert "In review → <strong>Rejected</strong>" in html
