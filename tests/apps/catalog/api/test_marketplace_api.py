"""``/api/v1/marketplace/apps``: the public catalog, open to anyone. Only public, active,
listed apps with a published version appear; filters by text, scope module and
authorization kind. The access matrix is in test_access_matrix_api.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import App
from apps.catalog.services import (
    app_banner_add,
    app_deactivate,
    app_list_in_catalog,
    app_listing_update,
    app_logo_set,
    version_hide,
)
from tests.apps.api.helpers import API, api_client, assert_error
from tests.factories.catalog import banner_file, by, logo_file, make_app, make_version

pytestmark = pytest.mark.django_db

MARKET = f"{API}/marketplace/apps"
LISTING = {
    "summary": "Invoices from deals.",
    "description": "Creates an invoice for every won deal.",
    "support_email": "help@invoicer.example.com",
    "support_url": "https://invoicer.example.com/help",
}


def listed_app(account, name="Invoicer", *, scopes=None, authorization="account", **listing):
    app = make_app(account=account, name=name)
    overrides = {"authorization": authorization}
    if scopes is not None:
        overrides.update(scopes=scopes, webhooks=[])
    make_version(app=app, status="published", **overrides)
    app_listing_update(app=app, **(LISTING | listing))
    return app_list_in_catalog(app=app)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [a["name"] for a in response.json()["results"]]


class TestList:
    def test_only_listed_public_active_apps_with_a_published_version(self, account, other_account):
        listed_app(account, "Invoicer")
        listed_app(other_account, "Globex CRM")
        asleep = listed_app(account, "Asleep")
        app_deactivate(app=asleep)
        make_version(app=make_app(account=account, name="Draft only"))
        make_app(account=account, name="Private", type="private")
        hidden = listed_app(account, "All hidden")
        version_hide(version=hidden.versions.get(), actor=by())

        response = api_client().get(MARKET)

        assert names(response) == ["Globex CRM", "Invoicer"]
        first = response.json()["results"][0]
        app = App.objects.get(name="Globex CRM")
        assert first == {
            "code": str(app.code),
            "name": "Globex CRM",
            "summary": "Invoices from deals.",
            "publisher": {"name": "Globex", "domain": "globex"},
            "logo_url": None,
            "version": "1.0.0",
            "url": f"http://testserver{MARKET}/{app.code}",
            "install_url": f"http://testserver/marketplace/{app.code}/",
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("search=invoic", ["Invoicer"]),
            ("search=deals", ["Deal radar", "Invoicer"]),
            ("search=globex", ["Deal radar"]),
            ("module=crm", ["Deal radar", "Invoicer"]),
            ("module=fin", ["Invoicer"]),
            ("module=task", []),
            ("authorization=user", ["Deal radar"]),
            ("authorization=account", ["Invoicer"]),
            ("module=crm&authorization=user", ["Deal radar"]),
        ],
    )
    def test_filters(self, account, other_account, query, expected):
        listed_app(account, "Invoicer")
        listed_app(
            other_account,
            "Deal radar",
            scopes=[{"code": "crm.deals", "level": "read", "reason": "Shows deals."}],
            authorization="user",
            summary="Watches your deals.",
        )

        assert names(api_client().get(f"{MARKET}?{query}")) == expected

    @pytest.mark.parametrize(("name", "value"), [("module", "nope"), ("authorization", "team")])
    def test_an_unknown_filter_value_names_the_parameter(self, name, value):
        assert_error(api_client().get(f"{MARKET}?{name}={value}"), 400, "invalid", fields={name})

    def test_the_query_count_does_not_grow_with_the_rows(self, account):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert api_client().get(f"{MARKET}?page_size=100").status_code == 200
            return len(queries)

        app_logo_set(app=listed_app(account, "App 00"), upload=logo_file())
        one = count()
        for index in range(1, 52):
            listed_app(account, f"App {index:02}")

        assert api_client().get(f"{MARKET}?page_size=100").json()["count"] == 52
        assert count() == one


class TestDetail:
    def test_the_app_page(self, account):
        app = listed_app(account)
        make_version(app=app, number="1.1.0", status="published", changelog="Faster.")
        make_version(app=app, number="1.2.0", status="approved", changelog="Not yet.")
        app_logo_set(app=app, upload=logo_file())
        banner = app_banner_add(app=app, upload=banner_file())

        response = api_client().get(f"{MARKET}/{app.code}")

        assert response.status_code == 200
        body = response.json()
        base = "http://testserver/marketplace"
        assert body["code"] == str(app.code)
        assert (body["name"], body["summary"], body["description"]) == (
            "Invoicer",
            LISTING["summary"],
            LISTING["description"],
        )
        assert body["publisher"] == {"name": "Acme Corp", "domain": "acme"}
        assert body["logo_url"] == f"{base}/{app.code}/logo"
        assert body["banner_urls"] == [f"{base}/{app.code}/banners/{banner.pk}"]
        assert (body["support_email"], body["support_url"]) == (
            LISTING["support_email"],
            LISTING["support_url"],
        )
        assert body["authorization"] == "account"
        assert [(s["scope"], s["reason"]) for s in body["scopes"]] == [
            ("crm.accounts:read", "Shows the customer on invoices."),
            ("fin.invoices:full", "Creates invoices from deals."),
        ]
        assert body["scopes"][0]["phrase"].startswith("View CRM accounts")
        assert [(v["number"], v["changelog"]) for v in body["versions"]] == [
            ("1.1.0", "Faster."),
            ("1.0.0", "First release."),
        ]
        assert body["install_url"] == f"{base}/{app.code}/"
        assert api_client().get(body["logo_url"]).status_code == 200

    @pytest.mark.parametrize("code", ["nope", "00000000-0000-0000-0000-000000000000"])
    def test_an_unknown_code_is_404(self, code):
        assert_error(api_client().get(f"{MARKET}/{code}"), 404, "not_found")

    def test_an_unlisted_app_is_404(self, account):
        app = make_app(account=account)
        make_version(app=app, status="published")

        assert_error(api_client().get(f"{MARKET}/{app.code}"), 404, "not_found")
