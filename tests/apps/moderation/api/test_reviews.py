"""``/api/v1/moderation/versions/{id}``: what a moderator reviews, and the decisions:
claim, release, approve with the checklist, reject with a reason. Every refusal changes
nothing. The access matrix is in test_access_matrix.py."""

import pytest
from django.db import connection

from apps.accounts.actors import actor_for_user
from apps.catalog.models import AppVersion, VersionEvent
from apps.catalog.services import app_listing_update, app_logo_set, version_withdraw
from apps.moderation.models import Review
from apps.moderation.services import review_claim
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import catalog_snapshot
from tests.factories import UserFactory
from tests.factories.catalog import by, logo_file, make_app, make_version, manifest_data

pytestmark = pytest.mark.django_db

CHECKLIST = {"functionality": True, "works_as_described": True, "security": True, "scopes": True}


@pytest.fixture
def mod(moderator):
    return api_client(moderator)


@pytest.fixture
def app(account):
    return make_app(account=account)


@pytest.fixture
def other_moderator(db):
    return UserFactory(email="second@platform.test", is_staff=True, is_superuser=True)


def url(version, suffix: str = "") -> str:
    return f"{API}/moderation/versions/{version.pk}{suffix}"


class TestDetail:
    def test_everything_needed_to_decide(self, mod, moderator, app):
        make_version(app=app, number="1.0.0", status="published")
        scopes = [*manifest_data()["scopes"], {"code": "task", "level": "read", "reason": "Todo."}]
        version = make_version(
            app=app, number="1.1.0", status="submitted", scopes=scopes, changelog="Tasks."
        )
        app_listing_update(app=app, summary="Invoices.", support_url="https://x.example.com")
        app_logo_set(app=app, upload=logo_file())

        body = mod.get(url(version)).json()

        assert body["id"] == version.pk
        assert body["app"] == {"code": str(app.code), "name": "Invoicer", "status": "active"}
        assert body["developer"] == {"domain": "acme", "name": "Acme Corp"}
        assert (body["number"], body["status"], body["changelog"]) == (
            "1.1.0",
            "submitted",
            "Tasks.",
        )
        assert body["manifest"]["scopes"] == scopes
        assert [(s["scope"], s["reason"]) for s in body["effective_scopes"]] == [
            ("crm.accounts:read", "Shows the customer on invoices."),
            ("fin.invoices:full", "Creates invoices from deals."),
            ("task:read", "Todo."),
        ]
        assert body["diff"]["against"] == "1.0.0"
        assert body["diff"]["scopes"]["added"] == ["task:read"]
        assert body["diff"]["needs_consent"] is True
        assert body["listing"]["summary"] == "Invoices."
        assert body["listing"]["support_url"] == "https://x.example.com"
        assert body["listing"]["logo_url"] == f"http://testserver/marketplace/{app.code}/logo"
        assert body["listing"]["banners"] == []
        assert [c["key"] for c in body["checklist"]] == [
            "functionality",
            "works_as_described",
            "security",
            "scopes",
        ]
        assert body["claimed_by"] is None
        assert body["actions"] == ["claim"]
        assert [(e["from_status"], e["to_status"]) for e in body["history"]] == [
            (None, "draft"),
            ("draft", "submitted"),
        ]
        assert body["reviews"] == []

    def test_a_first_version_has_nothing_to_compare(self, mod, app):
        version = make_version(app=app, status="submitted")

        assert mod.get(url(version)).json()["diff"] == {"against": None}

    def test_a_manifest_the_catalog_no_longer_accepts_leaves_the_review_readable(self, mod, app):
        published = make_version(app=app, number="1.0.0", status="published")
        version = make_version(app=app, number="1.1.0", status="submitted")
        broken = {
            **published.manifest,
            "scopes": [{"code": "gone", "level": "read", "reason": "x"}],
        }
        AppVersion.objects.filter(pk=published.pk).update(manifest=broken)

        response = mod.get(url(version))

        assert response.status_code == 200
        diff = response.json()["diff"]
        assert diff["against"] == "1.0.0"
        assert "no longer validates" in diff["error"]
        assert set(diff) == {"against", "error"}

    def test_actions_follow_the_claim(self, mod, moderator, other_moderator, app):
        mine = make_version(app=app, number="1.0.0", status="submitted")
        theirs = make_version(app=app, number="1.1.0", status="submitted")
        review_claim(version=mine, actor=actor_for_user(user=moderator))
        review_claim(version=theirs, actor=actor_for_user(user=other_moderator))

        assert mod.get(url(mine)).json()["actions"] == ["release", "approve", "reject"]
        assert mod.get(url(theirs)).json()["actions"] == []
        assert mod.get(url(theirs)).json()["claimed_by"] == "second@platform.test"

    def test_a_decided_version_stays_readable(self, mod, app):
        version = make_version(app=app, status="rejected")

        body = mod.get(url(version)).json()

        assert body["status"] == "rejected"
        assert body["rejection_reason"] == "Needs work."
        assert body["actions"] == []

    def test_a_private_apps_version_is_not_reviewed(self, mod, account):
        version = make_version(app=make_app(account=account, type="private"))

        assert_error(mod.get(url(version)), 404, "not_found")
        assert_error(mod.post(url(version, "/claim")), 404, "not_found")

    def test_an_unknown_id_is_404(self, mod):
        assert_error(mod.get(f"{API}/moderation/versions/999999"), 404, "not_found")


class TestDecisions:
    def test_claim_then_release(self, mod, moderator, app):
        version = make_version(app=app, status="submitted")

        claimed = mod.post(url(version, "/claim"))

        assert claimed.status_code == 200
        assert claimed.json()["status"] == "in_review"
        assert claimed.json()["claimed_by"] == "moderator@platform.test"
        review = Review.objects.get()
        assert (review.version, review.moderator) == (version, moderator)

        released = mod.post(url(version, "/release"))

        assert released.json()["status"] == "submitted"
        assert released.json()["claimed_by"] is None
        assert Review.objects.get().released_at is not None
        assert VersionEvent.objects.filter(version=version).last().reason == (
            "Released back to the queue."
        )

    def test_approve_records_the_checklist_and_keeps_notes_from_the_developer(
        self, mod, moderator, app, developer
    ):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=moderator))

        response = mod.post(
            url(version, "/approve"),
            {"checklist": CHECKLIST, "notes": "Checked on the demo account."},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"
        review = Review.objects.get()
        assert (review.decision, review.checklist, review.notes) == (
            "approved",
            CHECKLIST,
            "Checked on the demo account.",
        )
        history = api_client(developer).get(f"{API}/apps/{app.code}/versions/1.0.0/history")
        assert "demo account" not in history.content.decode()

    def test_reject_with_a_reason_the_developer_sees(self, mod, moderator, app, developer):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=moderator))

        response = mod.post(
            url(version, "/reject"),
            {"reason": "The webhook URL answers 500.", "checklist": {"works_as_described": False}},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "rejected"
        review = Review.objects.get()
        assert review.decision == "rejected"
        assert review.checklist == {
            "functionality": False,
            "works_as_described": False,
            "security": False,
            "scopes": False,
        }
        seen = api_client(developer).get(f"{API}/apps/{app.code}/versions/1.0.0").json()
        assert seen["rejection_reason"] == "The webhook URL answers 500."

    @pytest.mark.parametrize(
        ("data", "fields"),
        [
            ({}, {"checklist"}),
            ({"checklist": {**CHECKLIST, "security": False}}, {"checklist"}),
            ({"checklist": {"functionality": "maybe"}}, {"checklist.functionality"}),
            ({"checklist": CHECKLIST, "notes": ["x"]}, {"notes"}),
        ],
    )
    def test_approval_needs_every_checklist_item(self, mod, moderator, app, data, fields):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=moderator))
        before = catalog_snapshot()

        response = mod.post(url(version, "/approve"), data, format="json")

        assert_error(response, 400, "invalid", fields=fields)
        assert catalog_snapshot() == before

    def test_the_missing_checklist_items_are_named(self, mod, moderator, app):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=moderator))

        response = mod.post(
            url(version, "/approve"),
            {"checklist": {"functionality": True, "works_as_described": True}},
            format="json",
        )

        error = assert_error(response, 400, "invalid", fields={"checklist"})
        assert error["fields"]["checklist"] == [
            "Not checked: Security: HTTPS everywhere, no secrets in URLs, safe data handling.",
            "Not checked: The requested scopes are sufficient and each is justified.",
        ]

    @pytest.mark.parametrize(
        "data", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 5001}]
    )
    def test_rejection_needs_a_reason(self, mod, moderator, app, data):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=moderator))
        before = catalog_snapshot()

        response = mod.post(url(version, "/reject"), data, format="json")

        assert_error(response, 400, "invalid", fields={"reason"})
        assert catalog_snapshot() == before

    @pytest.mark.parametrize(
        ("status", "action", "code"),
        [
            ("in_review", "claim", "illegal_transition"),
            ("approved", "claim", "illegal_transition"),
            ("submitted", "release", "not_claimed"),
            ("submitted", "approve", "not_claimed"),
            ("submitted", "reject", "not_claimed"),
            ("approved", "approve", "not_claimed"),
            ("rejected", "reject", "not_claimed"),
            ("published", "release", "not_claimed"),
        ],
    )
    def test_a_move_the_version_is_not_ready_for_is_409(self, mod, app, status, action, code):
        version = make_version(app=app, status=status)
        before = catalog_snapshot()
        data = {"checklist": CHECKLIST, "reason": "No."}

        response = mod.post(url(version, f"/{action}"), data, format="json")

        assert_error(response, 409, code)
        assert catalog_snapshot() == before

    def test_a_withdrawn_version_cannot_be_claimed(self, mod, app):
        version = make_version(app=app, status="submitted")
        version_withdraw(version=version, actor=by())
        before = catalog_snapshot()

        response = mod.post(url(version, "/claim"), {}, format="json")

        assert_error(response, 409, "illegal_transition")
        assert catalog_snapshot() == before

    @pytest.mark.parametrize("action", ["", "/claim", "/release", "/approve", "/reject"])
    def test_a_draft_never_submitted_is_not_found(self, mod, app, action):
        """Moderators see a version once it was sent for review, not the developer's
        work in progress."""
        version = make_version(app=app, status="draft")
        before = catalog_snapshot()
        data = {"checklist": CHECKLIST, "reason": "No."}

        if action:
            response = mod.post(url(version, action), data, format="json")
        else:
            response = mod.get(url(version))

        assert_error(response, 404, "not_found")
        assert catalog_snapshot() == before

    @pytest.mark.parametrize("action", ["release", "approve", "reject"])
    def test_only_the_claimant_decides(self, mod, other_moderator, app, action):
        version = make_version(app=app, status="submitted")
        review_claim(version=version, actor=actor_for_user(user=other_moderator))
        before = catalog_snapshot()

        response = mod.post(
            url(version, f"/{action}"), {"checklist": CHECKLIST, "reason": "No."}, format="json"
        )

        error = assert_error(response, 409, "claimed_by_other")
        assert error["message"] == (
            "second@platform.test is reviewing this version. Ask them to release it."
        )
        assert catalog_snapshot() == before

    def test_the_second_of_two_moderators_claiming_at_once_gets_a_conflict(
        self, mod, other_moderator, app
    ):
        version = make_version(app=app, status="submitted")
        table = AppVersion._meta.db_table
        raced = []

        def other_claims_first(execute, sql, params, many, context):
            if not raced and sql.startswith(f'UPDATE "{table}" SET "status"'):
                raced.append(sql)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f'UPDATE "{table}" SET "status" = %s WHERE "id" = %s',
                        ["in_review", version.pk],
                    )
            return execute(sql, params, many, context)

        with connection.execute_wrapper(other_claims_first):
            response = mod.post(url(version, "/claim"))

        error = assert_error(response, 409, "conflict")
        assert "Someone changed version 1.0.0 first: it is now in review." in error["message"]
        assert raced
        assert Review.objects.count() == 0
