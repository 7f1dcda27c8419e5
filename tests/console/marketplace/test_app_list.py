"""The public catalog: open to everyone, only public+active+listed+published apps, search,
filters on the data an app reads and its authorization level, order, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import App, AppVersion
from apps.catalog.services import (
    app_deactivate,
    app_delete,
    app_listing_update,
    app_logo_set,
    version_hide,
)
from tests.console.marketplace.conftest import EVERYONE, make_catalog_app, persona_client
from tests.factories import make_app, make_version
from tests.factories.catalog import by, logo_file, manifest_data

URL = reverse("console:marketplace:app-list")


def names(response) -> list[str]:
    return [app.name for app in response.context["cl"].rows]


@pytest.fixture
def apps(account, other_account):
    """Three catalog apps: Invoicer (CRM + finance, account level), Tasker (tasks, user
    level, by Globex) and Reporter (CRM read, published last)."""
    invoicer = make_catalog_app(account=account, name="Invoicer")
    tasker = make_catalog_app(
        account=other_account,
        name="Tasker",
        summary="Task reminders",
        description="Reminds each user of their overdue tasks by e-mail.",
        authorization="user",
        scopes=[{"code": "task", "level": "full", "reason": "Reads and snoozes tasks."}],
        webhooks=[],
    )
    reporter = make_catalog_app(
        account=account,
        name="Reporter",
        summary="Sales reports",
        description="Weekly pipeline reports.",
        scopes=[{"code": "crm", "level": "read", "reason": "Counts deals."}],
        webhooks=[],
    )
    # Publication order: Tasker first, then Invoicer, Reporter last.
    now = timezone.now()
    for app, days in ((tasker, 3), (invoicer, 2), (reporter, 1)):
        AppVersion.objects.filter(app=app).update(published_at=now - timedelta(days=days))
    return {"invoicer": invoicer, "tasker": tasker, "reporter": reporter}


class TestAccess:
    @pytest.mark.parametrize("persona", EVERYONE)
    def test_everyone_browses_the_catalog(self, client_for, request, persona, apps):
        response = persona_client(request, client_for, persona).get(URL)

        assert response.status_code == 200
        assert names(response) == ["Invoicer", "Reporter", "Tasker"]

    def test_anonymous_visitors_get_the_console_layout(self, client_for, apps):
        html = client_for(None).get(URL).content.decode()

        assert '<a class="topbar__signin" href="/login/">Sign in</a>' in html
        assert "<title>Marketplace · Marketplace</title>" in html


class TestCards:
    def test_a_card_shows_logo_name_summary_publisher_and_version(self, client_for, apps, account):
        invoicer = apps["invoicer"]
        app_logo_set(app=invoicer, upload=logo_file())
        make_version(app=invoicer, number="1.1.0", status="published")

        html = client_for(None).get(URL).content.decode()

        card = html.split(f'data-app="{invoicer.code}"')[1].split("</li>")[0]
        assert reverse("console:marketplace:app-logo", args=[invoicer.code]) in card
        assert (
            f'<a href="{reverse("console:marketplace:app-detail", args=[invoicer.code])}">' in card
        )
        assert "<p>Invoices from deals</p>" in card
        assert "By Acme Corp · version <code>1.1.0</code>" in card

    def test_the_logo_is_served_to_anonymous_visitors(self, client_for, apps):
        app_logo_set(app=apps["tasker"], upload=logo_file())

        response = client_for(None).get(
            reverse("console:marketplace:app-logo", args=[apps["tasker"].code])
        )

        assert response.status_code == 200

    def test_empty_catalog(self, client_for, db):
        html = client_for(None).get(URL).content.decode()

        assert "No apps are published in the marketplace yet." in html


class TestWhatIsListed:
    def test_only_public_active_listed_apps_with_a_published_version(
        self, client_for, account, apps
    ):
        listing = {
            "summary": "S",
            "description": "D",
            "support_email": "s@example.com",
            "support_url": "",
        }
        unlisted = make_app(account=account, name="Unlisted", type="public")
        app_listing_update(app=unlisted, **listing)
        make_version(app=unlisted, number="1.0.0", status="published")

        private = make_app(account=account, name="Private", type="private")
        make_version(app=private, number="1.0.0", status="published")

        inactive = make_catalog_app(account=account, name="Inactive")
        app_deactivate(app=inactive)

        hidden = make_catalog_app(account=account, name="Hidden")
        version_hide(version=hidden.versions.get(), actor=by())

        deleting = make_catalog_app(account=account, name="Deleting")
        app_delete(app=deleting)

        # Listed by hand with only a version in moderation: still not shown.
        waiting = make_app(account=account, name="Waiting", type="public")
        app_listing_update(app=waiting, **listing)
        make_version(app=waiting, number="1.0.0", status="approved")
        App.objects.filter(pk=waiting.pk).update(is_listed=True)

        response = client_for(None).get(URL)

        assert names(response) == ["Invoicer", "Reporter", "Tasker"]
        html = response.content.decode()
        for name in ("Unlisted", "Private", "Inactive", "Hidden", "Deleting", "Waiting"):
            assert name not in html

    def test_an_app_with_several_published_versions_is_one_card(self, client_for, apps):
        make_version(app=apps["invoicer"], number="1.1.0", status="published")
        make_version(app=apps["invoicer"], number="1.2.0", status="published")

        response = client_for(None).get(URL)

        assert names(response) == ["Invoicer", "Reporter", "Tasker"]
        assert response.context["cl"].rows[0].published_number == "1.2.0"


class TestSearch:
    @pytest.mark.parametrize(
        ("term", "expected"),
        [
            ("invoic", ["Invoicer"]),  # name (and summary)
            ("reminders", ["Tasker"]),  # summary
            ("pipeline", ["Reporter"]),  # description
            ("globex", ["Tasker"]),  # publisher
            ("acme", ["Invoicer", "Reporter"]),
            ("acme weekly", ["Reporter"]),  # every term must match
            ("nothing-like-this", []),
        ],
    )
    def test_search(self, client_for, apps, term, expected):
        assert names(client_for(None).get(URL, {"q": term})) == expected

    def test_a_nul_character_in_the_search_is_refused_before_the_query(self, client_for, apps):
        # PostgreSQL refuses NUL in text parameters: apps.core.middleware answers first.
        response = client_for(None).get(URL, {"q": "invo\x00ic"})

        assert response.status_code == 400
        assert "NUL character" in response.content.decode()

    def test_no_match_offers_to_clear(self, client_for, apps):
        html = client_for(None).get(URL, {"q": "zzz"}).content.decode()

        assert "No app matches your search and filters." in html
        assert f'href="{URL}"' in html


class TestFilters:
    @pytest.mark.parametrize(
        ("module", "expected"),
        [
            ("crm", ["Invoicer", "Reporter"]),
            ("fin", ["Invoicer"]),
            ("task", ["Tasker"]),
            ("calendar", []),
        ],
    )
    def test_by_the_data_it_reads(self, client_for, apps, module, expected):
        assert names(client_for(None).get(URL, {"reads": module})) == expected

    def test_the_module_choices_are_the_products_modules(self, client_for, db):
        from apps.scopes.catalog import get_catalog

        response = client_for(None).get(URL)

        [reads] = [f for f in response.context["cl"].filter_specs if f["name"] == "reads"]
        assert [o["value"] for o in reads["options"]] == list(get_catalog().modules)

    def test_the_latest_published_version_decides(self, client_for, apps):
        """Invoicer 2.0.0 no longer reads CRM; 1.0.0 (still published) did."""
        scopes = [s for s in manifest_data()["scopes"] if s["code"] != "crm.accounts"]
        make_version(app=apps["invoicer"], number="2.0.0", status="published", scopes=scopes)

        assert names(client_for(None).get(URL, {"reads": "crm"})) == ["Reporter"]
        assert names(client_for(None).get(URL, {"reads": "fin"})) == ["Invoicer"]

    def test_a_version_in_moderation_does_not_count(self, client_for, apps):
        scopes = [{"code": "calendar", "level": "read", "reason": "Shows meetings."}]
        make_version(
            app=apps["reporter"], number="2.0.0", status="submitted", scopes=scopes, webhooks=[]
        )

        assert names(client_for(None).get(URL, {"reads": "calendar"})) == []
        assert names(client_for(None).get(URL, {"reads": "crm"})) == ["Invoicer", "Reporter"]

    @pytest.mark.parametrize(
        ("level", "expected"), [("account", ["Invoicer", "Reporter"]), ("user", ["Tasker"])]
    )
    def test_by_authorization_level(self, client_for, apps, level, expected):
        assert names(client_for(None).get(URL, {"authorization": level})) == expected

    def test_filters_and_search_combine(self, client_for, apps):
        response = client_for(None).get(
            URL, {"reads": "crm", "authorization": "account", "q": "weekly"}
        )

        assert names(response) == ["Reporter"]

    def test_unknown_values_are_ignored(self, client_for, apps):
        response = client_for(None).get(URL, {"reads": "'; drop", "authorization": "x", "o": "y"})

        assert response.status_code == 200
        assert names(response) == ["Invoicer", "Reporter", "Tasker"]


class TestOrder:
    def test_by_name_by_default(self, client_for, apps):
        response = client_for(None).get(URL)

        assert names(response) == ["Invoicer", "Reporter", "Tasker"]
        assert response.context["sort"] == "name"

    def test_newest_first(self, client_for, apps):
        response = client_for(None).get(URL, {"o": "-published"})

        assert names(response) == ["Reporter", "Invoicer", "Tasker"]
        assert '<option value="-published" selected>Newest first</option>' in (
            response.content.decode()
        )


def test_pages_of_24(client_for, account):
    for i in range(25):
        make_catalog_app(account=account, name=f"App {i:02}")

    first = client_for(None).get(URL)
    second = client_for(None).get(URL, {"page": 2})

    assert len(first.context["cl"].rows) == 24
    assert names(second) == ["App 24"]
    assert 'rel="next"' in first.content.decode()


@pytest.mark.parametrize("persona", [None, "admin"])
def test_queries_do_not_depend_on_rows(client_for, request, account, other_account, persona):
    """1 app and 55 apps (24 on the page, with logos, two publishers) cost the same."""
    client = persona_client(request, client_for, persona)
    first = make_catalog_app(account=account, name="App 00")
    app_logo_set(app=first, upload=logo_file())
    client.get(URL)

    with CaptureQueriesContext(connection) as one:
        response = client.get(URL, {"reads": "crm", "q": "app"})
    assert names(response) == ["App 00"]

    for i in range(1, 55):
        make_catalog_app(account=account if i % 2 else other_account, name=f"App {i:02}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"reads": "crm", "q": "app"})

    assert response.context["cl"].count == 55
    assert len(response.context["cl"].rows) == 24
    assert len(many) == len(one), [q["sql"] for q in many]
