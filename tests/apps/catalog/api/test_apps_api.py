"""``/api/v1/apps``: create, list, read, edit, delete, activate and list in the catalog,
listing images and OAuth credentials, as a developer of the account. The access matrix
is in test_access_matrix_api.py."""

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import App, AppBanner
from apps.catalog.services import app_delete, app_list_in_catalog, app_listing_update
from apps.oauth.models import Application
from tests.apps.api.helpers import API, api_client, assert_error
from tests.apps.catalog.api.helpers import app_url, catalog_snapshot, post_json
from tests.factories.catalog import (
    banner_file,
    image_file,
    logo_file,
    make_app,
    make_app_with_secret,
    make_version,
)

pytestmark = pytest.mark.django_db

APP_FIELDS = {
    "deletion_job",
    "code",
    "name",
    "type",
    "status",
    "listed",
    "summary",
    "description",
    "support_email",
    "support_url",
    "logo_url",
    "client_id",
    "credentials_rotated_at",
    "version_count",
    "pending_count",
    "latest_number",
    "published_number",
    "listing_problems",
    "created_at",
    "updated_at",
    "deleting_at",
}
LISTING = {
    "summary": "Invoices from deals.",
    "description": "Creates an invoice for every won deal.",
    "support_email": "help@invoicer.example.com",
}


@pytest.fixture
def dev(developer):
    return api_client(developer)


def make_listable(account, name="Invoicer") -> App:
    app = make_app(account=account, name=name)
    make_version(app=app, status="published")
    return app_listing_update(app=app, **LISTING)


def stored_secret(app: App) -> str:
    return Application.objects.get(pk=app.oauth_application_id).client_secret


class TestCreate:
    def test_the_secret_is_shown_once_and_stored_hashed(self, dev, developer, account):
        response = post_json(dev, f"{API}/apps", {"name": "Invoicer", "type": "public"})

        assert response.status_code == 201, response.content
        body = response.json()
        app = App.objects.get()
        assert set(body) == APP_FIELDS | {"credentials"}
        assert body["code"] == str(app.code)
        assert (body["name"], body["type"], body["status"], body["listed"]) == (
            "Invoicer",
            "public",
            "active",
            False,
        )
        assert body["version_count"] == 0
        assert body["latest_number"] is None
        assert body["credentials"]["client_id"] == app.oauth_application.client_id
        secret = body["credentials"]["client_secret"]
        assert len(secret) >= 40
        assert stored_secret(app) != secret
        assert check_password(secret, stored_secret(app))
        assert (app.account, app.created_by) == (account, developer)

        for url in (f"{API}/apps", app_url(app), app_url(app, "/credentials")):
            again = dev.get(url)
            assert again.status_code == 200
            assert secret not in again.content.decode()
            assert "client_secret" not in again.content.decode()

    @pytest.mark.parametrize(
        ("data", "fields"),
        [
            ({}, {"name", "type"}),
            ({"name": "", "type": "public"}, {"name"}),
            ({"name": "   ", "type": "public"}, {"name"}),
            ({"name": "x" * 101, "type": "public"}, {"name"}),
            ({"name": "Invoicer", "type": "secret"}, {"type"}),
            ({"name": ["Invoicer"], "type": "public"}, {"name"}),
        ],
        ids=["empty", "blank", "spaces", "long", "type", "list"],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, dev, data, fields):
        before = catalog_snapshot()

        response = post_json(dev, f"{API}/apps", data)

        assert_error(response, 400, "invalid", fields=fields)
        assert catalog_snapshot() == before

    def test_a_name_taken_in_the_account_is_refused(self, dev, account, other_account):
        make_app(account=account, name="Invoicer")
        make_app(account=other_account, name="Twin")
        before = catalog_snapshot()

        taken = post_json(dev, f"{API}/apps", {"name": "Invoicer", "type": "private"})

        error = assert_error(taken, 400, "invalid", fields={"name"})
        assert error["fields"]["name"] == ["Your account already has an app with this name."]
        assert catalog_snapshot() == before
        assert post_json(dev, f"{API}/apps", {"name": "Twin", "type": "private"}).status_code == 201

    def test_a_non_json_body_is_a_parse_error(self, dev):
        response = dev.post(f"{API}/apps", data="{nope", content_type="application/json")

        assert_error(response, 400, "parse_error")
        assert App.objects.count() == 0


class TestList:
    def test_lists_the_accounts_apps_by_name_with_their_counts(self, dev, account, other_account):
        beta = make_app(account=account, name="Beta")
        make_version(app=beta, number="1.0.0", status="published")
        make_version(app=beta, number="1.1.0", status="submitted")
        make_app(account=account, name="Alpha", type="private")
        make_app(account=other_account, name="Elsewhere")

        body = dev.get(f"{API}/apps").json()

        assert body["count"] == 2
        rows = [
            (a["name"], a["version_count"], a["pending_count"], a["latest_number"])
            for a in body["results"]
        ]
        assert rows == [("Alpha", 0, 0, None), ("Beta", 2, 1, "1.1.0")]
        assert body["results"][1]["published_number"] == "1.0.0"

    @pytest.mark.parametrize(
        ("query", "names"),
        [
            ("search=voic", ["Invoicer"]),
            ("search=VOIC", ["Invoicer"]),
            ("type=private", ["Back office"]),
            ("type=public", ["Gone", "Invoicer", "Sleeper"]),
            ("status=inactive", ["Sleeper"]),
            ("status=deleting", ["Gone"]),
            ("listed=yes", ["Invoicer"]),
            ("listed=no", ["Back office", "Gone", "Sleeper"]),
            ("type=public&status=active", ["Invoicer"]),
        ],
    )
    def test_filters(self, dev, account, query, names):
        app_list_in_catalog(app=make_listable(account))
        make_app(account=account, name="Back office", type="private")
        sleeper = make_app(account=account, name="Sleeper")
        dev.post(app_url(sleeper, "/deactivate"))
        app_delete(app=make_app(account=account, name="Gone"))

        body = dev.get(f"{API}/apps?{query}").json()

        assert [a["name"] for a in body["results"]] == names

    @pytest.mark.parametrize("name", ["type", "status", "listed"])
    def test_an_unknown_filter_value_names_the_parameter(self, dev, name):
        assert_error(dev.get(f"{API}/apps?{name}=bogus"), 400, "invalid", fields={name})

    def test_the_query_count_does_not_grow_with_the_rows(self, dev, account):
        def count_queries() -> int:
            with CaptureQueriesContext(connection) as queries:
                response = dev.get(f"{API}/apps?page_size=100")
            assert response.status_code == 200
            return len(queries)

        app = make_app(account=account, name="App 0")
        make_version(app=app)
        one = count_queries()
        for index in range(1, 55):
            app = make_app(account=account, name=f"App {index}")
            make_version(app=app, status="submitted")

        assert dev.get(f"{API}/apps?page_size=100").json()["count"] == 55
        assert count_queries() == one


class TestDetail:
    def test_shows_the_app_and_what_stops_listing(self, dev, account):
        app = make_app(account=account)

        body = dev.get(app_url(app)).json()

        assert set(body) == APP_FIELDS
        assert body["listing_problems"] == {
            "versions": ["Publish a version first (after moderation approves it)."],
            "summary": ["Write a one-line summary for the catalog."],
            "description": ["Describe what the app does for the catalog."],
            "support_email": ["Give a support e-mail address or a support URL."],
        }

    @pytest.mark.parametrize("code", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
    def test_an_unknown_code_is_not_found(self, dev, code):
        response = dev.get(f"{API}/apps/{code}")

        assert_error(response, 404, "not_found")
        assert response.json()["error"]["message"] == (
            "No such app in this account: check the app code, or switch to the account that "
            "owns it (X-Account header in the API)."
        )


class TestEdit:
    def test_renames_and_edits_the_listing_in_one_call(self, dev, account):
        app = make_app(account=account)

        response = dev.patch(
            app_url(app), {"name": "Invoicer Pro", **LISTING, "support_url": ""}, format="json"
        )

        assert response.status_code == 200, response.content
        app.refresh_from_db()
        assert (app.name, app.summary, app.support_email) == (
            "Invoicer Pro",
            LISTING["summary"],
            LISTING["support_email"],
        )
        assert app.oauth_application.name == "Invoicer Pro"
        assert response.json()["name"] == "Invoicer Pro"
        assert "summary" not in response.json()["listing_problems"]

    def test_a_bad_field_writes_nothing_not_even_the_good_ones(self, dev, account):
        app = make_app(account=account)
        before = catalog_snapshot()

        response = dev.patch(
            app_url(app),
            {"name": "Renamed", "support_email": "not an address", "support_url": "ftp:/x"},
            format="json",
        )

        error = assert_error(response, 400, "invalid", fields={"support_email", "support_url"})
        assert error["fields"]["support_email"] == ["Enter a valid e-mail address."]
        assert catalog_snapshot() == before

    @pytest.mark.parametrize("field", ["type", "code", "status", "listed", "logo"])
    def test_fields_that_cannot_be_changed_here_are_named(self, dev, account, field):
        app = make_app(account=account)
        before = catalog_snapshot()

        response = dev.patch(app_url(app), {field: "x", "summary": "S"}, format="json")

        assert_error(response, 400, "invalid", fields={field})
        assert catalog_snapshot() == before

    def test_a_listed_app_keeps_its_listing_fit_for_the_catalog(self, dev, account):
        app = make_listable(account)
        app_list_in_catalog(app=app)
        before = catalog_snapshot()

        response = dev.patch(app_url(app), {"summary": ""}, format="json")

        error = assert_error(response, 400, "invalid", fields={"summary"})
        assert error["fields"]["summary"][-1] == "Hide the app from the catalog to clear this."
        assert catalog_snapshot() == before


class TestDelete:
    def test_marks_the_app_deleting_and_refuses_every_change_after(self, dev, account):
        app = make_app(account=account)
        make_version(app=app)

        response = dev.delete(app_url(app))

        assert response.status_code == 202
        assert response.json()["status"] == "deleting"
        assert response.json()["deleting_at"] is not None
        app.refresh_from_db()
        assert app.oauth_application.is_suspended is True
        before = catalog_snapshot()
        refused = [
            dev.patch(app_url(app), {"name": "Back"}, format="json"),
            dev.post(app_url(app, "/activate")),
            dev.post(app_url(app, "/credentials/rotate")),
            dev.post(app_url(app, "/versions/1.0.0/submit")),
        ]
        for answer in refused:
            assert_error(answer, 409, "app_deleting")
        assert catalog_snapshot() == before
        assert dev.delete(app_url(app)).status_code == 202  # twice changes nothing
        assert catalog_snapshot() == before
        assert dev.get(app_url(app)).json()["status"] == "deleting"


class TestStatus:
    def test_deactivate_suspends_the_client_and_activate_restores_it(self, dev, account):
        app = make_app(account=account)

        off = dev.post(app_url(app, "/deactivate"))
        app.refresh_from_db()
        assert off.json()["status"] == "inactive"
        assert app.oauth_application.is_suspended is True

        assert dev.post(app_url(app, "/deactivate")).json()["status"] == "inactive"
        on = dev.post(app_url(app, "/activate"))
        app.refresh_from_db()
        assert on.json()["status"] == "active"
        assert app.oauth_application.is_suspended is False

    def test_listing_names_every_missing_piece(self, dev, account):
        app = make_app(account=account)
        before = catalog_snapshot()

        response = dev.post(app_url(app, "/list"))

        assert_error(
            response,
            400,
            "invalid",
            fields={"versions", "summary", "description", "support_email"},
        )
        assert catalog_snapshot() == before

    def test_list_and_unlist(self, dev, account):
        app = make_listable(account)

        assert dev.post(app_url(app, "/list")).json()["listed"] is True
        assert App.objects.get(pk=app.pk).is_listed is True
        assert dev.post(app_url(app, "/unlist")).json()["listed"] is False
        assert dev.post(app_url(app, "/unlist")).json()["listed"] is False


class TestCredentials:
    def test_shows_the_client_id_only(self, dev, account):
        app = make_app(account=account)

        response = dev.get(app_url(app, "/credentials"))

        assert response.json() == {
            "client_id": app.oauth_application.client_id,
            "rotated_at": None,
        }

    def test_rotation_shows_the_new_secret_once(self, dev, account):
        app, old = make_app_with_secret(account=account)

        response = dev.post(app_url(app, "/credentials/rotate"))

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"client_id", "client_secret"}
        assert body["client_id"] == app.oauth_application.client_id
        new = body["client_secret"]
        assert new != old
        assert check_password(new, stored_secret(app))
        assert not check_password(old, stored_secret(app))
        shown = dev.get(app_url(app, "/credentials")).json()
        assert shown["rotated_at"] is not None
        for url in (app_url(app), app_url(app, "/credentials"), f"{API}/apps"):
            assert new not in dev.get(url).content.decode()


class TestLogo:
    def test_set_and_remove(self, dev, account):
        app = make_app(account=account)

        response = dev.put(app_url(app, "/logo"), {"file": logo_file("WEBP")}, format="multipart")

        assert response.status_code == 200, response.content
        assert response.json()["logo_url"] == f"http://testserver/marketplace/{app.code}/logo"
        app.refresh_from_db()
        assert app.logo.name.endswith(".webp")
        assert dev.get(response.json()["logo_url"]).status_code == 200

        removed = dev.delete(app_url(app, "/logo"))
        assert removed.json()["logo_url"] is None
        assert not App.objects.get(pk=app.pk).logo

    @pytest.mark.parametrize(
        ("upload", "problem"),
        [
            (lambda: image_file(64, 64), "64x64 pixels, which is too small"),
            (lambda: image_file(300, 200), "it must be square"),
            (lambda: image_file(4000, 4000), "too large"),
            (lambda: _named(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg"), "not a"),
            (lambda: _named(b"GIF89a" + b"\0" * 50, "logo.png"), "not a"),
        ],
        ids=["small", "not-square", "big", "svg", "fake-png"],
    )
    def test_a_bad_image_names_the_file_field_and_writes_nothing(
        self, dev, account, upload, problem
    ):
        app = make_app(account=account)
        before = catalog_snapshot()

        response = dev.put(app_url(app, "/logo"), {"file": upload()}, format="multipart")

        error = assert_error(response, 400, "invalid", fields={"file"})
        assert problem in error["fields"]["file"][0]
        assert catalog_snapshot() == before

    def test_a_missing_file_names_the_field(self, dev, account):
        app = make_app(account=account)

        response = dev.put(app_url(app, "/logo"), {"other": "x"}, format="multipart")

        assert_error(response, 400, "invalid", fields={"file"})

    def test_json_is_not_an_upload(self, dev, account):
        app = make_app(account=account)

        response = dev.put(app_url(app, "/logo"), {"file": "x"}, format="json")

        assert_error(response, 415, "unsupported_media_type")


def _named(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


class TestBanners:
    def test_add_list_and_remove(self, dev, account):
        app = make_app(account=account)

        added = dev.post(app_url(app, "/banners"), {"file": banner_file()}, format="multipart")
        second = dev.post(
            app_url(app, "/banners"), {"file": banner_file("JPEG")}, format="multipart"
        )

        assert added.status_code == 201, added.content
        banner = AppBanner.objects.get(pk=added.json()["id"])
        assert added.json()["url"] == (
            f"http://testserver/marketplace/{app.code}/banners/{banner.pk}"
        )
        listed = dev.get(app_url(app, "/banners")).json()
        assert [(b["id"], b["position"]) for b in listed["results"]] == [
            (added.json()["id"], 1),
            (second.json()["id"], 2),
        ]
        removed = dev.delete(app_url(app, f"/banners/{banner.pk}"))
        assert removed.status_code == 204
        assert list(AppBanner.objects.values_list("pk", flat=True)) == [second.json()["id"]]

    def test_a_bad_banner_names_the_file_field(self, dev, account):
        app = make_app(account=account)
        before = catalog_snapshot()

        square = image_file(1600, 1600)

        response = dev.post(app_url(app, "/banners"), {"file": square}, format="multipart")

        error = assert_error(response, 400, "invalid", fields={"file"})
        assert "about twice as wide as high" in error["fields"]["file"][0]
        assert catalog_snapshot() == before

    def test_at_most_five_banners(self, dev, account):
        app = make_app(account=account)
        for _ in range(5):
            dev.post(app_url(app, "/banners"), {"file": banner_file()}, format="multipart")
        before = catalog_snapshot()

        response = dev.post(app_url(app, "/banners"), {"file": banner_file()}, format="multipart")

        assert_error(response, 400, "invalid", fields={"file"})
        assert catalog_snapshot() == before

    def test_another_apps_banner_is_not_found(self, dev, account):
        app = make_app(account=account)
        other = make_app(account=account, name="Other")
        theirs = dev.post(app_url(other, "/banners"), {"file": banner_file()}, format="multipart")
        before = catalog_snapshot()

        response = dev.delete(app_url(app, f"/banners/{theirs.json()['id']}"))

        assert_error(response, 404, "not_found")
        assert catalog_snapshot() == before
