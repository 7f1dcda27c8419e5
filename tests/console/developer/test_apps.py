"""Developer Console app pages: list, create (secret once), detail, edit, listing and
images, credentials rotation, activation, catalog listing and deletion."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oauth2_provider.models import get_application_model

from apps.catalog.models import App, AppBanner, AppStatus, AppVersion, InstallLink, VersionEvent
from apps.catalog.services import app_banner_add, app_delete, app_logo_set
from apps.installations.models import Installation
from apps.jobs.kinds import APP_DELETE
from apps.jobs.models import Job
from apps.jobs.services import job_run
from tests.console.conftest import login_url
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.factories.catalog import (
    banner_file,
    by,
    image_file,
    logo_file,
    make_app,
    make_app_with_secret,
    make_install_link,
    make_version,
)
from tests.factories.installations import make_installation

LIST = reverse("console:developer:app-list")
CREATE = reverse("console:developer:app-create")


def url(name: str, app: App) -> str:
    return reverse(f"console:developer:{name}", kwargs={"code": app.code})


def state() -> tuple:
    """Every row the developer pages can write, to compare before and after a denial."""
    return (
        list(App.objects.order_by("pk").values()),
        list(AppVersion.objects.order_by("pk").values()),
        list(VersionEvent.objects.order_by("pk").values()),
        list(InstallLink.objects.order_by("pk").values()),
        list(AppBanner.objects.order_by("pk").values()),
        list(
            get_application_model()
            .objects.order_by("pk")
            .values("name", "client_secret", "is_suspended")
        ),
    )


def upload(buffer, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or buffer.name, buffer.getvalue())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def other_developer(other_account):
    """A developer of another account: acme's apps are not theirs to see."""
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def app(account, developer):
    return make_app(account=account, name="Invoicer", type="public", user=developer)


@pytest.fixture
def listed_app(app):
    """A public app with a published version, listed in the catalog."""
    make_version(app=app, number="1.0.0", status="published")
    App.objects.filter(pk=app.pk).update(
        summary="Invoices from deals.",
        description="Creates invoices when deals close.",
        support_email="help@invoicer.example.com",
        is_listed=True,
    )
    app.refresh_from_db()
    return app


# --- the access matrix --------------------------------------------------------------------

# (persona, status): who is refused and how. The outsider is an admin of another account
# without the developer right; moderators and staff belong to no account.
DENIED = [
    ("member", 403),
    ("admin", 403),
    ("outsider", 403),
    ("other_developer", 404),
    ("moderator", 404),
    ("staff", 404),
]

# (url name, method, data) of every page about one app.
APP_PAGES = [
    ("app-detail", "get", None),
    ("app-edit", "get", None),
    ("app-edit", "post", {"name": "Hijacked"}),
    ("app-listing", "get", None),
    ("app-listing", "post", {"section": "text", "summary": "Hijacked"}),
    ("app-listing", "post", {"section": "logo-remove"}),
    ("app-credentials-rotate", "get", None),
    ("app-credentials-rotate", "post", {}),
    ("app-secret", "get", None),
    ("app-activate", "post", {}),
    ("app-deactivate", "post", {}),
    ("app-list_in_catalog", "post", {}),
    ("app-unlist", "post", {}),
    ("app-delete", "get", None),
    ("app-delete", "post", {"confirm_name": "Invoicer"}),
]


class TestAccessMatrix:
    @pytest.mark.parametrize(("name", "method", "data"), APP_PAGES)
    def test_anonymous_is_sent_to_login_and_nothing_changes(
        self, client_for, listed_app, name, method, data
    ):
        target = url(name, listed_app)
        before = state()

        response = getattr(client_for(None), method)(target, data)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert state() == before

    @pytest.mark.parametrize(("persona", "status"), DENIED)
    @pytest.mark.parametrize(("name", "method", "data"), APP_PAGES)
    def test_denied_personas_change_nothing(
        self, client_for, request, listed_app, persona, status, name, method, data
    ):
        client = client_for(request.getfixturevalue(persona))
        before = state()

        response = getattr(client, method)(url(name, listed_app), data)

        assert response.status_code == status
        assert "Invoicer" not in response.content.decode()
        assert state() == before

    @pytest.mark.parametrize("persona", ["member", "admin", "outsider"])
    def test_list_and_create_are_refused_without_the_developer_right(
        self, client_for, request, app, persona
    ):
        status = 403
        client = client_for(request.getfixturevalue(persona))
        before = state()

        assert client.get(LIST).status_code == status
        assert client.post(LIST, {"action": "deactivate", "selected": [app.pk]}).status_code == (
            status
        )
        assert client.get(CREATE).status_code == status
        assert client.post(CREATE, {"name": "Sneaky", "type": "private"}).status_code == status
        assert state() == before

    @pytest.mark.parametrize("persona", ["moderator", "staff"])
    def test_users_without_an_account_get_404_on_list_and_create(
        self, client_for, request, app, persona
    ):
        client = client_for(request.getfixturevalue(persona))
        before = state()

        assert client.get(LIST).status_code == 404
        assert client.post(CREATE, {"name": "Sneaky", "type": "private"}).status_code == 404
        assert state() == before

    def test_anonymous_list_and_create_go_to_login(self, client_for, app):
        before = state()

        for target, method in ((LIST, "get"), (CREATE, "get"), (CREATE, "post")):
            response = getattr(client_for(None), method)(target)
            assert response.status_code == 302
            assert response.url == login_url(target)
        assert state() == before

    def test_another_accounts_developer_sees_only_their_apps(
        self, client_for, other_developer, other_account, app
    ):
        theirs = make_app(account=other_account, name="Globex tool", type="private")

        response = client_for(other_developer).get(LIST)

        assert response.status_code == 200
        assert response.context["cl"].rows == [theirs]
        assert "Invoicer" not in response.content.decode()

    def test_another_accounts_developer_creates_in_their_own_account(
        self, client_for, other_developer, other_account, app
    ):
        response = client_for(other_developer).post(CREATE, {"name": "Invoicer", "type": "public"})

        assert response.status_code == 302
        assert sorted(App.objects.values_list("account__slug", "name")) == [
            ("acme", "Invoicer"),
            ("globex", "Invoicer"),
        ]

    def test_another_accounts_developer_cannot_bulk_deactivate_our_apps(
        self, client_for, other_developer, app
    ):
        before = state()

        response = client_for(other_developer).post(
            LIST, {"action": "deactivate", "confirm": "yes", "selected": [app.pk]}, follow=True
        )

        assert "Choose an action and tick at least one app." in response.content.decode()
        assert state() == before

    def test_an_unknown_code_is_404(self, client_for, developer):
        response = client_for(developer).get(
            "/developer/apps/00000000-0000-0000-0000-000000000000/"
        )

        assert response.status_code == 404

    @pytest.mark.parametrize("name", ["app-activate", "app-deactivate", "app-list_in_catalog"])
    def test_buttons_answer_post_only(self, client_for, developer, app, name):
        before = state()

        assert client_for(developer).get(url(name, app)).status_code == 405
        assert state() == before


# --- the list ----------------------------------------------------------------------------


class TestList:
    def test_empty_state_offers_to_create_the_first_app(self, client_for, developer):
        html = client_for(developer).get(LIST).content.decode()

        assert "You have no apps yet." in html
        assert "Create your first app" in html
        assert f'href="{CREATE}"' in html

    def test_shows_each_app_with_its_versions_and_moderation(
        self, client_for, developer, account, app
    ):
        make_version(app=app, number="1.0.0", status="published")
        make_version(app=app, number="1.1.0", status="submitted")
        private = make_app(account=account, name="Backoffice", type="private")

        response = client_for(developer).get(LIST)

        assert response.status_code == 200
        rows = {row.name: row for row in response.context["cl"].rows}
        assert list(rows) == ["Backoffice", "Invoicer"]
        assert (rows["Invoicer"].version_count, rows["Invoicer"].published_number) == (2, "1.0.0")
        assert rows["Invoicer"].pending_count == 1
        assert (rows["Backoffice"].version_count, rows["Backoffice"].pending_count) == (0, 0)
        html = response.content.decode()
        assert f'href="{url("app-detail", app)}"' in html
        assert f'href="{url("app-detail", private)}"' in html
        assert str(app.code) in html
        assert "<code>1.0.0</code>" in html
        assert '<span class="version-status version-status--submitted">1</span>' in html
        assert 'data-status="active">Active</span>' in html

    def test_shows_the_logo(self, client_for, developer, app):
        app_logo_set(app=app, upload=logo_file())

        html = client_for(developer).get(LIST).content.decode()

        assert reverse("console:marketplace:app-logo", args=[app.code]) in html

    def test_searches_by_name_and_by_code(self, client_for, developer, account, app):
        other = make_app(account=account, name="Backoffice", type="private")
        client = client_for(developer)

        assert client.get(LIST, {"q": "invo"}).context["cl"].rows == [app]
        assert client.get(LIST, {"q": str(other.code)}).context["cl"].rows == [other]

    def test_filters_by_kind_status_and_listing(self, client_for, developer, account, listed_app):
        private = make_app(account=account, name="Backoffice", type="private")
        inactive = make_app(account=account, name="Old tool", type="private")
        App.objects.filter(pk=inactive.pk).update(status=AppStatus.INACTIVE)
        client = client_for(developer)

        assert client.get(LIST, {"type": "public"}).context["cl"].rows == [listed_app]
        assert client.get(LIST, {"type": "private"}).context["cl"].rows == [private, inactive]
        assert client.get(LIST, {"status": "inactive"}).context["cl"].rows == [inactive]
        assert client.get(LIST, {"listed": "yes"}).context["cl"].rows == [listed_app]
        assert client.get(LIST, {"listed": "no"}).context["cl"].rows == [private, inactive]

    def test_sorts_by_name_created_and_status(self, client_for, developer, account):
        first = make_app(account=account, name="Zeta", type="private")
        second = make_app(account=account, name="Alpha", type="private")
        App.objects.filter(pk=first.pk).update(status=AppStatus.INACTIVE)
        client = client_for(developer)

        assert client.get(LIST).context["cl"].rows == [second, first]
        assert client.get(LIST, {"o": "-name"}).context["cl"].rows == [first, second]
        assert client.get(LIST, {"o": "created"}).context["cl"].rows == [first, second]
        assert client.get(LIST, {"o": "-created"}).context["cl"].rows == [second, first]
        assert client.get(LIST, {"o": "status"}).context["cl"].rows == [second, first]

    @pytest.mark.parametrize("rows", [1, 55])
    def test_query_count_does_not_grow_with_rows(self, client_for, developer, account, rows):
        for n in range(rows):
            app = make_app(account=account, name=f"App {n:02}", type="public")
            if n % 5 == 0:
                make_version(app=app, number="1.0.0", status="submitted")
        client = client_for(developer)
        client.get(LIST)  # warm the session

        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)

        assert response.context["cl"].count == rows
        # session, user, current membership, switcher's memberships, COUNT, the page, the
        # account's app deletions under way.
        assert len(captured) == 7, [q["sql"] for q in captured]


class TestBulkActivation:
    @pytest.fixture
    def apps(self, account):
        return [make_app(account=account, name=f"Tool {n}", type="private") for n in range(3)]

    def test_asks_for_confirmation_first(self, client_for, developer, apps):
        before = state()

        response = client_for(developer).post(
            LIST, {"action": "deactivate", "selected": [apps[0].pk, apps[1].pk]}
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "Deactivate 2 apps?" in html
        assert "every token they hold is refused" in html
        assert state() == before

    def test_deactivates_then_activates_the_selected_apps(self, client_for, developer, apps):
        client = client_for(developer)
        selected = [apps[0].pk, apps[1].pk]

        response = client.post(
            LIST, {"action": "deactivate", "confirm": "yes", "selected": selected}, follow=True
        )

        assert "Deactivated 2 apps." in response.content.decode()
        statuses = dict(App.objects.values_list("name", "status"))
        assert statuses == {"Tool 0": "inactive", "Tool 1": "inactive", "Tool 2": "active"}
        suspended = get_application_model().objects.filter(is_suspended=True).count()
        assert suspended == 2

        response = client.post(
            LIST, {"action": "activate", "confirm": "yes", "selected": selected}, follow=True
        )

        assert "Activated 2 apps." in response.content.decode()
        assert set(App.objects.values_list("status", flat=True)) == {"active"}
        assert not get_application_model().objects.filter(is_suspended=True).exists()

    def test_apps_being_deleted_are_skipped(self, client_for, developer, apps):
        app_delete(app=apps[0])

        response = client_for(developer).post(
            LIST,
            {"action": "deactivate", "confirm": "yes", "selected": [apps[0].pk, apps[1].pk]},
            follow=True,
        )

        html = response.content.decode()
        assert "Deactivated 1 app." in html
        assert "Skipped 1 app being deleted." in html
        assert dict(App.objects.values_list("name", "status")) == {
            "Tool 0": "deleting",
            "Tool 1": "inactive",
            "Tool 2": "active",
        }

    def test_no_action_or_no_selection_changes_nothing(self, client_for, developer, apps):
        before = state()
        client = client_for(developer)

        for data in ({"selected": [apps[0].pk]}, {"action": "deactivate"}):
            response = client.post(LIST, data, follow=True)
            assert "Choose an action and tick at least one app." in response.content.decode()
        assert state() == before

    @pytest.mark.parametrize("odd", ["²", "\u0661", "9" * 30, "-1", "1.0"])
    def test_odd_selected_ids_are_ignored(self, client_for, developer, apps, odd):
        before = state()

        response = client_for(developer).post(
            LIST, {"action": "deactivate", "confirm": "yes", "selected": [odd]}, follow=True
        )

        assert response.status_code == 200
        assert "Choose an action and tick at least one app." in response.content.decode()
        assert state() == before

    def test_odd_ids_next_to_real_ones_leave_the_real_ones_selected(
        self, client_for, developer, apps
    ):
        response = client_for(developer).post(
            LIST,
            {"action": "deactivate", "confirm": "yes", "selected": ["²", "9" * 30, apps[0].pk]},
            follow=True,
        )

        assert "Deactivated 1 app." in response.content.decode()
        assert App.objects.get(pk=apps[0].pk).status == "inactive"


# --- create: the secret is shown once ---------------------------------------------------


class TestCreate:
    def test_the_form_explains_private_and_public(self, client_for, developer):
        html = client_for(developer).get(CREATE).content.decode()

        assert 'type="radio" name="type" value="private"' in html
        assert 'type="radio" name="type" value="public"' in html
        assert "Versions need no moderation; it never appears in the catalog." in html
        assert "Moderators review each new version before you can publish it." in html

    def test_shows_the_client_secret_once(self, client_for, developer, account):
        client = client_for(developer)

        response = client.post(CREATE, {"name": "  Invoicer  ", "type": "public"})

        # Post/redirect/get: the secret's page shows it, so a reload never posts again.
        app = App.objects.get()
        assert response.status_code == 302
        assert response.url == url("app-secret", app)
        assert (app.account, app.name, app.type, app.created_by) == (
            account,
            "Invoicer",
            "public",
            developer,
        )
        page = client.get(response.url)
        assert "no-store" in page["Cache-Control"]
        secret = page.context["client_secret"]
        html = page.content.decode()
        assert "“Invoicer” is created" in html
        assert f'value="{secret}"' in html
        assert f'value="{app.oauth_application.client_id}"' in html
        assert "cannot be shown again" in html
        # Stored hashed only.
        stored = app.oauth_application.client_secret
        assert stored != secret
        assert check_password(secret, stored)
        # ...and never again: not in the session, not on any later page.
        assert secret not in str(dict(client.session.items()))
        pages = (response.url, LIST, url("app-detail", app), url("app-credentials-rotate", app))
        for page_url in pages:
            body = client.get(page_url).content.decode()
            assert secret not in body
        assert (
            app.oauth_application.client_id in client.get(url("app-detail", app)).content.decode()
        )

    def test_a_private_app(self, client_for, developer):
        response = client_for(developer).post(CREATE, {"name": "Backoffice", "type": "private"})

        assert response.status_code == 302
        assert App.objects.get().type == "private"

    @pytest.mark.parametrize(
        ("data", "errors"),
        [
            ({"name": "", "type": "public"}, {"name": ["This field is required."]}),
            ({"name": "   ", "type": "public"}, {"name": ["This field is required."]}),
            ({"name": "x" * 101, "type": "public"}, {"name": ["Use at most 100 characters."]}),
            ({"name": "Invoicer"}, {"type": ["Choose private or public."]}),
            (
                {"name": "Invoicer", "type": "secret"},
                {"type": ["Select a valid choice. secret is not one of the available choices."]},
            ),
        ],
    )
    def test_bad_input_shows_under_the_field_and_writes_nothing(
        self, client_for, developer, data, errors
    ):
        before = state()

        response = client_for(developer).post(CREATE, data)

        assert response.status_code == 200
        assert response.context["form"].errors == errors
        assert "client_secret" not in response.context
        assert state() == before

    def test_a_taken_name_is_refused(self, client_for, developer, app):
        before = state()

        response = client_for(developer).post(CREATE, {"name": "Invoicer", "type": "private"})

        assert response.context["form"].errors == {
            "name": ["Your account already has an app with this name."]
        }
        assert state() == before


# --- detail and edit ---------------------------------------------------------------------


class TestDetail:
    def test_overview_actions_and_versions(self, client_for, developer, app):
        make_version(app=app, number="1.0.0", status="published", changelog="First.\nMore.")
        make_version(app=app, number="1.1.0", status="rejected", changelog="Second.")

        response = client_for(developer).get(url("app-detail", app))

        assert response.status_code == 200
        html = response.content.decode()
        assert f"<code>{app.code}</code>" in html
        assert f'<code id="client-id">{app.oauth_application.client_id}</code>' in html
        assert "Set at creation on" in html
        for name in ("app-edit", "app-listing", "app-credentials-rotate", "app-delete"):
            assert f'href="{url(name, app)}"' in html
        assert f'action="{url("app-deactivate", app)}"' in html
        assert f'action="{url("app-list_in_catalog", app)}"' in html
        assert f'href="{url("version-create", app)}"' in html
        assert [v.number for v in response.context["versions"]] == ["1.1.0", "1.0.0"]
        assert "First." in html
        assert "More." not in html  # the changelog's first line only
        assert '<p class="field__error rejection">Rejected: Needs work.</p>' in html

    def test_a_private_app_has_no_catalog_buttons(self, client_for, developer, account):
        private = make_app(account=account, name="Backoffice", type="private")

        html = client_for(developer).get(url("app-detail", private)).content.decode()

        assert url("app-list_in_catalog", private) not in html
        assert "Never (private app)" in html

    @pytest.mark.parametrize("versions", [1, 25])
    def test_query_count_does_not_grow_with_versions(self, client_for, developer, app, versions):
        for n in range(versions):
            make_version(app=app, number=f"1.{n}.0", status="draft")
        client = client_for(developer)
        client.get(url("app-detail", app))

        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("app-detail", app))

        assert len(response.context["versions"]) == versions
        # session, user, current membership, switcher's memberships, the app, its versions.
        assert len(captured) == 6, [q["sql"] for q in captured]


class TestEdit:
    def test_renames_the_app(self, client_for, developer, app):
        code, client_id = app.code, app.oauth_application.client_id

        response = client_for(developer).post(url("app-edit", app), {"name": "Invoicer Pro"})

        assert response.status_code == 302
        assert response.url == url("app-detail", app)
        app.refresh_from_db()
        assert (app.name, app.code, app.oauth_application.client_id) == (
            "Invoicer Pro",
            code,
            client_id,
        )

    @pytest.mark.parametrize(
        ("name", "error"),
        [("", "This field is required."), ("x" * 101, "Use at most 100 characters.")],
    )
    def test_bad_name_shows_under_the_field(self, client_for, developer, app, name, error):
        before = state()

        response = client_for(developer).post(url("app-edit", app), {"name": name})

        assert response.status_code == 200
        assert response.context["form"].errors == {"name": [error]}
        assert state() == before


# --- listing and images -----------------------------------------------------------------


class TestListing:
    def test_the_page_shows_the_image_rules_and_the_no_moderation_note(
        self, client_for, developer, app
    ):
        html = client_for(developer).get(url("app-listing", app)).content.decode()

        assert "Listing edits need no moderation" in html
        assert (
            "PNG, JPEG or WebP, at most 1,024 KB, from 128x128 to 2048x2048 pixels, square" in html
        )
        assert "PNG, JPEG or WebP, at most 2,048 KB, from 1200x600 to 3840x1920 pixels" in html

    def test_saves_the_listing_text(self, client_for, developer, app):
        response = client_for(developer).post(
            url("app-listing", app),
            {
                "section": "text",
                "summary": "Invoices from deals.",
                "description": "Creates invoices.",
                "support_email": "help@invoicer.example.com",
                "support_url": "https://invoicer.example.com/help",
            },
            follow=True,
        )

        assert response.redirect_chain == [(url("app-listing", app), 302)]
        assert "Listing saved. Listing edits need no moderation." in response.content.decode()
        app.refresh_from_db()
        assert (app.summary, app.description, app.support_email, app.support_url) == (
            "Invoices from deals.",
            "Creates invoices.",
            "help@invoicer.example.com",
            "https://invoicer.example.com/help",
        )

    def test_bad_fields_show_under_each_field_and_nothing_is_saved(
        self, client_for, developer, app
    ):
        before = state()

        response = client_for(developer).post(
            url("app-listing", app),
            {
                "section": "text",
                "summary": "x" * 161,
                "description": "Fine.",
                "support_email": "not-an-email",
                "support_url": "invoicer",
            },
        )

        assert response.status_code == 200
        assert response.context["text_form"].errors == {
            "summary": ["Use at most 160 characters."],
            "support_email": ["Enter a valid e-mail address."],
            "support_url": ["Enter a full URL, e.g. https://…"],
        }
        assert "Enter a valid e-mail address." in response.content.decode()
        assert state() == before

    def test_editing_a_listed_apps_listing_needs_no_moderation(
        self, client_for, developer, listed_app
    ):
        versions_before = list(AppVersion.objects.values("pk", "status", "number"))
        events_before = VersionEvent.objects.count()

        response = client_for(developer).post(
            url("app-listing", listed_app),
            {
                "section": "text",
                "summary": "Invoices from every deal, at once.",
                "description": "A new description.",
                "support_email": "support@invoicer.example.com",
                "support_url": "",
            },
        )

        assert response.status_code == 302
        listed_app.refresh_from_db()
        assert listed_app.summary == "Invoices from every deal, at once."
        assert listed_app.is_listed
        assert listed_app.status == AppStatus.ACTIVE
        assert list(AppVersion.objects.values("pk", "status", "number")) == versions_before
        assert VersionEvent.objects.count() == events_before

    def test_a_listed_app_cannot_lose_what_the_catalog_needs(
        self, client_for, developer, listed_app
    ):
        before = state()

        response = client_for(developer).post(
            url("app-listing", listed_app),
            {
                "section": "text",
                "summary": "",
                "description": "Still here.",
                "support_email": "help@invoicer.example.com",
            },
        )

        assert response.context["text_form"].errors == {
            "summary": [
                "Write a one-line summary for the catalog.",
                "Hide the app from the catalog to clear this.",
            ]
        }
        assert state() == before

    def test_uploads_replaces_and_removes_the_logo(self, client_for, developer, app):
        client = client_for(developer)

        response = client.post(
            url("app-listing", app), {"section": "logo", "logo": upload(logo_file())}
        )

        assert response.status_code == 302
        app.refresh_from_db()
        assert app.logo.name.startswith(f"listing/{app.code}/")
        logo_url = reverse("console:marketplace:app-logo", args=[app.code])
        assert logo_url in client.get(url("app-listing", app)).content.decode()
        assert client.get(logo_url).status_code == 200

        client.post(url("app-listing", app), {"section": "logo-remove"})

        app.refresh_from_db()
        assert not app.logo

    @pytest.mark.parametrize(
        ("file", "message"),
        [
            (
                image_file(64, 64),
                "it is 64x64 pixels, which is too small. Use PNG, JPEG or WebP, at most "
                "1,024 KB, from 128x128 to 2048x2048 pixels, square.",
            ),
            (
                image_file(300, 200),
                "it is 300x200 pixels; it must be square.",
            ),
            (
                image_file(256, 256, fmt="GIF"),
                "the file is GIF, not an accepted image.",
            ),
        ],
    )
    def test_a_bad_logo_is_refused_under_the_field(self, client_for, developer, app, file, message):
        before = state()

        response = client_for(developer).post(
            url("app-listing", app), {"section": "logo", "logo": upload(file)}
        )

        assert response.status_code == 200
        errors = response.context["logo_form"].errors
        assert list(errors) == ["logo"]
        assert message in errors["logo"][0]
        assert 'class="field field--error"' in response.content.decode()
        assert state() == before

    def test_a_file_that_is_not_an_image_is_refused(self, client_for, developer, app):
        before = state()

        response = client_for(developer).post(
            url("app-listing", app),
            {"section": "logo", "logo": SimpleUploadedFile("logo.png", b"<svg></svg>")},
        )

        assert (
            response.context["logo_form"]
            .errors["logo"][0]
            .startswith("the file is not a readable image.")
        )
        assert state() == before

    def test_no_file_is_a_field_error(self, client_for, developer, app):
        response = client_for(developer).post(url("app-listing", app), {"section": "banner"})

        assert response.context["banner_form"].errors == {"banner": ["This field is required."]}

    def test_adds_and_removes_banners(self, client_for, developer, app):
        client = client_for(developer)

        for _ in range(2):
            response = client.post(
                url("app-listing", app), {"section": "banner", "banner": upload(banner_file())}
            )
            assert response.status_code == 302
        banners = list(AppBanner.objects.filter(app=app))
        assert [b.position for b in banners] == [1, 2]
        html = client.get(url("app-listing", app)).content.decode()
        for banner in banners:
            assert reverse("console:marketplace:app-banner", args=[app.code, banner.pk]) in html

        client.post(
            url("app-listing", app), {"section": "banner-remove", "banner_id": banners[0].pk}
        )

        assert list(AppBanner.objects.filter(app=app)) == [banners[1]]

    def test_a_bad_banner_is_refused_under_the_field(self, client_for, developer, app):
        before = state()

        response = client_for(developer).post(
            url("app-listing", app), {"section": "banner", "banner": upload(image_file(800, 800))}
        )

        assert list(response.context["banner_form"].errors) == ["banner"]
        assert "it is 800x800 pixels, which is too small." in response.content.decode()
        assert state() == before

    def test_another_apps_banner_cannot_be_removed(self, client_for, developer, account, app):
        other = make_app(account=account, name="Backoffice", type="public")
        banner = app_banner_add(app=other, upload=banner_file())
        before = state()

        response = client_for(developer).post(
            url("app-listing", app), {"section": "banner-remove", "banner_id": banner.pk}
        )

        assert response.status_code == 404
        assert state() == before

    @pytest.mark.parametrize("banner_id", ["²", "\u0661", "9" * 30, "-1", ""])
    def test_an_odd_banner_id_is_404_and_changes_nothing(
        self, client_for, developer, app, banner_id
    ):
        app_banner_add(app=app, upload=banner_file())
        before = state()

        response = client_for(developer).post(
            url("app-listing", app), {"section": "banner-remove", "banner_id": banner_id}
        )

        assert response.status_code == 404
        assert state() == before

    def test_an_unknown_section_changes_nothing(self, client_for, developer, app):
        before = state()

        response = client_for(developer).post(
            url("app-listing", app), {"section": "status", "status": "deleting"}, follow=True
        )

        assert "Unknown listing change; nothing was saved." in response.content.decode()
        assert state() == before


# --- credentials ------------------------------------------------------------------------


class TestCredentialsRotate:
    def test_confirms_then_shows_the_new_secret_once(self, client_for, developer, account):
        app, old_secret = make_app_with_secret(account=account, name="Invoicer")
        client = client_for(developer)

        confirm = client.get(url("app-credentials-rotate", app))
        assert confirm.status_code == 200
        assert "The current secret stops working at once" in confirm.content.decode()
        assert app.credentials_rotated_at is None

        response = client.post(url("app-credentials-rotate", app))

        assert response.status_code == 302
        assert response.url == url("app-secret", app)
        page = client.get(response.url)
        assert "no-store" in page["Cache-Control"]
        secret = page.context["client_secret"]
        html = page.content.decode()
        assert "New client secret for “Invoicer”" in html
        assert "The previous secret has stopped working." in html
        assert f'value="{secret}"' in html
        app.refresh_from_db()
        assert app.credentials_rotated_at is not None
        assert check_password(secret, app.oauth_application.client_secret)
        assert not check_password(old_secret, app.oauth_application.client_secret)
        assert secret not in str(dict(client.session.items()))
        detail = client.get(url("app-detail", app)).content.decode()
        assert secret not in detail
        assert "Rotated on" in detail
        assert secret not in client.get(url("app-credentials-rotate", app)).content.decode()
        assert secret not in client.get(response.url).content.decode()


# --- state buttons ----------------------------------------------------------------------


class TestActivation:
    def test_deactivate_and_activate(self, client_for, developer, app):
        client = client_for(developer)

        response = client.post(url("app-deactivate", app), follow=True)

        assert response.redirect_chain == [(url("app-detail", app), 302)]
        assert "“Invoicer” is inactive" in response.content.decode()
        app.refresh_from_db()
        assert app.status == AppStatus.INACTIVE
        assert app.oauth_application.is_suspended
        assert f'action="{url("app-activate", app)}"' in response.content.decode()

        response = client.post(url("app-activate", app), follow=True)

        assert "“Invoicer” is active" in response.content.decode()
        app.refresh_from_db()
        assert app.status == AppStatus.ACTIVE
        assert not app.oauth_application.is_suspended


class TestCatalogListing:
    def test_an_app_that_is_not_ready_shows_every_problem(self, client_for, developer, app):
        before = state()

        response = client_for(developer).post(url("app-list_in_catalog", app), follow=True)

        html = response.content.decode()
        assert "The app cannot be listed in the catalog yet." in html
        assert "Publish a version first (after moderation approves it)." in html
        assert "Write a one-line summary for the catalog." in html
        assert "Describe what the app does for the catalog." in html
        assert "Give a support e-mail address or a support URL." in html
        assert 'class="message message--error"' in html
        assert state() == before

    def test_a_private_app_is_never_listed(self, client_for, developer, account):
        private = make_app(account=account, name="Backoffice", type="private")

        response = client_for(developer).post(url("app-list_in_catalog", private), follow=True)

        assert "Only public apps appear in the catalog" in response.content.decode()
        private.refresh_from_db()
        assert not private.is_listed

    def test_lists_and_hides_a_ready_app(self, client_for, developer, listed_app):
        App.objects.filter(pk=listed_app.pk).update(is_listed=False)
        client = client_for(developer)

        response = client.post(url("app-list_in_catalog", listed_app), follow=True)

        assert "“Invoicer” is listed in the marketplace catalog." in response.content.decode()
        listed_app.refresh_from_db()
        assert listed_app.is_listed

        response = client.post(url("app-unlist", listed_app), follow=True)

        assert "“Invoicer” is hidden from the catalog." in response.content.decode()
        listed_app.refresh_from_db()
        assert not listed_app.is_listed


# --- delete ------------------------------------------------------------------------------


class TestDelete:
    def test_asks_for_the_name(self, client_for, developer, app):
        response = client_for(developer).get(url("app-delete", app))

        assert response.status_code == 200
        html = response.content.decode()
        assert "This cannot be undone." in html
        assert "Type the app&#x27;s name to confirm" in html

    def test_says_how_many_accounts_have_it_before_the_name(
        self, client_for, developer, listed_app, account, other_account
    ):
        version = listed_app.versions.get()
        uninstalling = make_installation(account=account, version=version)
        Installation.objects.filter(pk=uninstalling.pk).update(status="uninstalling")
        make_installation(account=other_account, version=version)
        make_installation(account=AccountFactory(), version=version)
        other = make_app(account=account, name="Other", type="public")
        make_installation(
            account=AccountFactory(), version=make_version(app=other, status="published")
        )

        response = client_for(developer).get(url("app-delete", listed_app))

        assert response.context["installed_on"] == 3
        html = response.content.decode()
        numbers = html.split('id="app-delete-installations"')[1].split("</p>")[0]
        assert "<strong>Installed on 3 accounts.</strong>" in numbers
        assert "On each of them the app stops working as soon as you confirm" in numbers
        assert "one account at a time, it is uninstalled there" in numbers
        assert html.index('id="app-delete-installations"') < html.index('name="confirm_name"')

    def test_one_account_and_none_read_right(self, client_for, developer, listed_app, account):
        client = client_for(developer)

        html = client.get(url("app-delete", listed_app)).content.decode()

        assert "<strong>Installed on 0 accounts.</strong>" in html
        assert "No account has it installed" in html

        make_installation(account=account, version=listed_app.versions.get())
        html = client.get(url("app-delete", listed_app)).content.decode()

        assert "<strong>Installed on 1 account.</strong>" in html
        assert "On that account the app stops working" in html

    def test_a_wrong_name_keeps_the_numbers(self, client_for, developer, listed_app, account):
        make_installation(account=account, version=listed_app.versions.get())

        response = client_for(developer).post(
            url("app-delete", listed_app), {"confirm_name": "nope"}
        )

        assert response.status_code == 200
        assert "<strong>Installed on 1 account.</strong>" in response.content.decode()

    def test_the_numbers_cost_one_query(self, client_for, developer, listed_app, account):
        client = client_for(developer)
        client.get(url("app-delete", listed_app))
        with CaptureQueriesContext(connection) as none:
            client.get(url("app-delete", listed_app))
        for _ in range(3):
            make_installation(account=AccountFactory(), version=listed_app.versions.get())

        with CaptureQueriesContext(connection) as three:
            client.get(url("app-delete", listed_app))

        sql = [q["sql"] for q in three.captured_queries]
        assert len([q for q in sql if "installations_installation" in q]) == 1
        assert len(three.captured_queries) == len(none.captured_queries)

    @pytest.mark.parametrize("typed", ["", "invoicer", "Invoicer2"])
    def test_a_wrong_name_deletes_nothing(self, client_for, developer, app, typed):
        before = state()

        response = client_for(developer).post(url("app-delete", app), {"confirm_name": typed})

        assert response.status_code == 200
        assert response.context["form"].errors == {
            "confirm_name": ["Type “Invoicer” exactly to delete the app."]
        }
        assert state() == before

    def test_deletes_and_then_refuses_every_action(self, client_for, developer, listed_app):
        link, _raw = make_install_link(version=listed_app.versions.get())
        client = client_for(developer)

        response = client.post(
            url("app-delete", listed_app), {"confirm_name": "Invoicer"}, follow=True
        )

        job = Job.objects.get(kind=APP_DELETE)
        assert job.payload == {"app_id": listed_app.pk}
        job_page = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
        # The developer lands on the deletion job's page and watches it there.
        assert response.redirect_chain == [(job_page, 302)]
        html = response.content.decode()
        assert "“Invoicer” is being deleted" in html
        assert "App deletion: Invoicer" in html
        assert 'hx-trigger="every 2s"' in html
        html = client.get(url("app-detail", listed_app)).content.decode()
        assert 'data-status="deleting">Deleting</span>' in html
        assert 'id="app-deleting"' in html
        assert f'href="{job_page}"' in html
        assert url("app-edit", listed_app) not in html
        listed_app.refresh_from_db()
        assert listed_app.status == AppStatus.DELETING
        assert not listed_app.is_listed
        assert listed_app.oauth_application.is_suspended
        link.refresh_from_db()
        assert link.revoked_at is not None

        before = state()
        refused = "The app “Invoicer” is being deleted; nothing can change it any more."
        for name, method, data in APP_PAGES[1:]:
            response = getattr(client, method)(url(name, listed_app), data, follow=True)
            assert response.redirect_chain == [(url("app-detail", listed_app), 302)], name
            assert refused in response.content.decode(), name
        assert state() == before
        # Still shown in the list, as deleting.
        rows = client.get(LIST).context["cl"].rows
        assert [(row.name, row.status) for row in rows] == [("Invoicer", "deleting")]


class TestDeletionProgress:
    """A deleting app shows its deletion job's progress on its page and in the list."""

    @pytest.fixture
    def deleting(self, app, developer):
        app_delete(app=app, actor=by(developer))
        return app, Job.objects.get(kind=APP_DELETE, payload__app_id=app.pk)

    def test_the_app_page_shows_the_progress_and_links_to_the_job(
        self, client_for, developer, deleting
    ):
        app, job = deleting
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, progress_done=40, progress_total=200
        )

        html = client_for(developer).get(url("app-detail", app)).content.decode()

        assert "Deleting… 40 of 200 accounts" in html
        job_page = reverse("console:jobs:job-detail", kwargs={"job_id": job.pk})
        assert f'<a href="{job_page}">Follow the job #{job.pk}</a>' in html

    def test_a_failed_deletion_links_to_its_error(self, client_for, developer, deleting):
        app, job = deleting
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, progress_done=3, progress_total=10, last_error="boom"
        )

        html = client_for(developer).get(url("app-detail", app)).content.decode()

        assert "Deleting… stopped at 3 of 10 accounts." in html
        assert "See the error and retry" in html

    def test_the_list_shows_deletions_under_way(self, client_for, developer, account, deleting):
        _app, job = deleting
        kept = make_app(account=account, name="Kept", type="private")
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, progress_done=1, progress_total=4
        )

        response = client_for(developer).get(LIST)

        assert response.context["deletions"] == [job]
        html = response.content.decode()
        assert 'id="app-deletions"' in html
        assert "<strong>Invoicer</strong>" in html
        assert "Deleting… 1 of 4 accounts" in html
        assert "<strong>Kept</strong>" not in html
        assert [row.name for row in response.context["cl"].rows] == ["Invoicer", "Kept"]
        assert kept.status == AppStatus.ACTIVE

    def test_a_finished_deletion_leaves_the_list(self, client_for, developer, deleting):
        app, job = deleting
        for _ in range(50):
            if job_run(job_id=job.pk) in ("succeeded", "failed"):
                break
        job.refresh_from_db()
        assert job.state == Job.State.SUCCEEDED
        assert not App.objects.filter(pk=app.pk).exists()
        client = client_for(developer)

        response = client.get(LIST)

        assert response.context["deletions"] == []
        assert 'id="app-deletions"' not in response.content.decode()
        # Its job's page says what happened and leads back to the list.
        page = client.get(reverse("console:jobs:job-detail", kwargs={"job_id": job.pk}))
        html = page.content.decode()
        assert "Deleted: removed from 0 accounts" in html
        assert f'<a class="button button--primary" id="job-next" href="{LIST}">' in html
        assert "hx-trigger" not in html
