"""The catalog's one rule for the listing text, as pieces (for the pages that show it)
and as the problems that refuse listing; and the selector that applies it to an app."""

import pytest

from apps.catalog.models import App, AppStatus, AppType
from apps.catalog.policies import app_listing_problems, listing_pieces
from apps.catalog.selectors import app_listing_state
from tests.factories.catalog import make_app, make_version

FULL = {
    "summary": "Invoices from deals.",
    "description": "Creates invoices.",
    "support_email": "help@example.com",
    "support_url": "",
}


class TestListingPieces:
    def test_a_full_listing_has_every_piece_filled(self):
        pieces = listing_pieces(FULL)

        assert [(p.field, p.label, p.filled) for p in pieces] == [
            ("summary", "Summary", True),
            ("description", "Description", True),
            ("support_email", "Support e-mail or URL", True),
        ]

    @pytest.mark.parametrize(
        ("listing", "missing"),
        [
            ({}, ["summary", "description", "support_email"]),
            (FULL | {"summary": "  "}, ["summary"]),
            (FULL | {"description": None}, ["description"]),
            (FULL | {"support_email": ""}, ["support_email"]),
            (FULL | {"support_email": "", "support_url": "https://x.example.com"}, []),
        ],
    )
    def test_the_pieces_missing_are_the_problems_the_catalog_names(self, listing, missing):
        pieces = listing_pieces(listing)
        problems = app_listing_problems(
            app_type=AppType.PUBLIC,
            status=AppStatus.ACTIVE,
            has_published_version=True,
            listing=listing,
        )

        assert [p.field for p in pieces if not p.filled] == missing
        assert problems == {p.field: [p.missing] for p in pieces if not p.filled}


@pytest.mark.django_db
class TestAppListingState:
    def test_an_empty_public_app(self, account):
        app = make_app(account=account, type="public")

        state = app_listing_state(app=app)

        assert not state.text_complete
        assert state.missing == ["Summary", "Description", "Support e-mail or URL"]
        assert list(state.problems) == ["versions", "summary", "description", "support_email"]

    def test_a_fit_app_has_no_problems(self, account):
        app = make_app(account=account, type="public")
        make_version(app=app, number="1.0.0", status="published")
        App.objects.filter(pk=app.pk).update(**FULL)
        app.refresh_from_db()

        state = app_listing_state(app=app)

        assert state.text_complete
        assert state.missing == []
        assert state.problems == {}

    def test_the_caller_may_say_whether_a_version_is_published(
        self, account, django_assert_num_queries
    ):
        app = make_app(account=account, type="public")

        with django_assert_num_queries(0):
            state = app_listing_state(app=app, has_published_version=True)

        assert "versions" not in state.problems
