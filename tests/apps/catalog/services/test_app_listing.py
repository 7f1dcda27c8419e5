"""The listing: text, catalog listing rules, logo and banners. Listing edits never need
moderation: a listed app stays listed and no version or history entry appears."""

import pytest
from django.core.files.storage import default_storage

from apps.catalog.images import MAX_BANNERS
from apps.catalog.models import App, AppBanner, AppVersion, VersionEvent, VersionStatus
from apps.catalog.services import (
    app_banner_add,
    app_banner_remove,
    app_deactivate,
    app_list_in_catalog,
    app_listing_update,
    app_logo_remove,
    app_logo_set,
    app_unlist,
)
from apps.core.errors import NotFound, ValidationFailed
from tests.apps.catalog.services.helpers import catalog_rows
from tests.factories.catalog import banner_file, image_file, logo_file, make_app, make_version

pytestmark = pytest.mark.django_db

LISTING = {
    "summary": "Invoices from deals",
    "description": "Creates an invoice whenever a deal is won.",
    "support_email": "help@invoicer.example.com",
    "support_url": "https://invoicer.example.com/help",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def listed_app(account):
    app = make_app(account=account)
    make_version(app=app, status=VersionStatus.PUBLISHED)
    app_listing_update(app=app, **LISTING)
    return app_list_in_catalog(app=app)


class TestListingText:
    def test_updates_the_given_fields_stripped(self, account):
        app = make_app(account=account)

        app_listing_update(app=app, summary="  One line ", support_url="https://x.example.com")

        stored = App.objects.get(pk=app.pk)
        assert stored.summary == "One line"
        assert stored.support_url == "https://x.example.com"
        assert stored.description == ""

    def test_every_bad_field_is_named_and_nothing_is_written(self, account):
        app = make_app(account=account)
        app_listing_update(app=app, **LISTING)
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_listing_update(
                app=app,
                summary="x" * 161,
                description="ok",
                support_email="not an email",
                support_url="ftp://files.example.com",
            )

        assert caught.value.fields == {
            "summary": ["Use at most 160 characters."],
            "support_email": ["Enter a valid e-mail address."],
            "support_url": ["Enter a full URL, e.g. https://…"],
        }
        assert catalog_rows() == before

    def test_a_too_long_description_is_refused(self, account):
        app = make_app(account=account)

        with pytest.raises(ValidationFailed) as caught:
            app_listing_update(app=app, description="x" * 20_001)

        assert caught.value.fields == {"description": ["Use at most 20,000 characters."]}

    def test_unknown_fields_are_refused(self, account):
        app = make_app(account=account)
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_listing_update(app=app, name="Sneaky", is_listed="1")

        assert caught.value.fields == {"is_listed": ["Unknown field."], "name": ["Unknown field."]}
        assert catalog_rows() == before

    def test_editing_a_listed_published_app_keeps_it_listed_without_moderation(self, listed_app):
        versions = list(AppVersion.objects.values_list("pk", "status", "updated_at"))
        events = VersionEvent.objects.count()

        app_listing_update(
            app=listed_app,
            summary="Better summary",
            description="Now with more detail.",
            support_email="",
            support_url="https://invoicer.example.com/support",
        )

        stored = App.objects.get(pk=listed_app.pk)
        assert stored.is_listed is True
        assert stored.summary == "Better summary"
        assert list(AppVersion.objects.values_list("pk", "status", "updated_at")) == versions
        assert VersionEvent.objects.count() == events

    def test_logo_and_banner_changes_of_a_listed_app_need_no_moderation(self, listed_app):
        versions = list(AppVersion.objects.values_list("pk", "status", "updated_at"))
        events = VersionEvent.objects.count()

        app_logo_set(app=listed_app, upload=logo_file())
        app_banner_add(app=listed_app, upload=banner_file())

        assert App.objects.get(pk=listed_app.pk).is_listed is True
        assert list(AppVersion.objects.values_list("pk", "status", "updated_at")) == versions
        assert VersionEvent.objects.count() == events

    def test_a_listed_app_cannot_lose_what_the_catalog_needs(self, listed_app):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_listing_update(app=listed_app, summary=" ", support_email="", support_url="")

        assert caught.value.fields == {
            "summary": [
                "Write a one-line summary for the catalog.",
                "Hide the app from the catalog to clear this.",
            ],
            "support_email": [
                "Give a support e-mail address or a support URL.",
                "Hide the app from the catalog to clear this.",
            ],
        }
        assert catalog_rows() == before

    def test_an_unlisted_app_may_clear_its_listing(self, listed_app):
        app_unlist(app=listed_app)

        app_listing_update(app=listed_app, summary="", support_email="", support_url="")

        assert App.objects.get(pk=listed_app.pk).summary == ""


class TestCatalogListing:
    def test_a_public_app_with_a_published_version_and_a_listing_is_listed(self, listed_app):
        assert App.objects.get(pk=listed_app.pk).is_listed is True

    def test_every_missing_piece_is_named(self, account):
        app = make_app(account=account)
        make_version(app=app, status=VersionStatus.APPROVED)
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_list_in_catalog(app=app)

        assert caught.value.fields == {
            "versions": ["Publish a version first (after moderation approves it)."],
            "summary": ["Write a one-line summary for the catalog."],
            "description": ["Describe what the app does for the catalog."],
            "support_email": ["Give a support e-mail address or a support URL."],
        }
        assert catalog_rows() == before

    def test_a_private_app_is_never_listed(self, account):
        app = make_app(account=account, type="private")
        make_version(app=app, status=VersionStatus.PUBLISHED)
        app_listing_update(app=app, **LISTING)

        with pytest.raises(ValidationFailed) as caught:
            app_list_in_catalog(app=app)

        assert caught.value.fields == {
            "type": ["Only public apps appear in the catalog; private apps use links."]
        }
        assert App.objects.get(pk=app.pk).is_listed is False

    def test_an_inactive_app_cannot_be_listed(self, account):
        app = make_app(account=account)
        make_version(app=app, status=VersionStatus.PUBLISHED)
        app_listing_update(app=app, **LISTING)
        app_deactivate(app=app)

        with pytest.raises(ValidationFailed) as caught:
            app_list_in_catalog(app=app)

        assert caught.value.fields == {"status": ["Activate the app first."]}

    def test_a_hidden_version_does_not_count_as_published(self, account):
        app = make_app(account=account)
        make_version(app=app, status=VersionStatus.HIDDEN)
        app_listing_update(app=app, **LISTING)

        with pytest.raises(ValidationFailed) as caught:
            app_list_in_catalog(app=app)

        assert list(caught.value.fields) == ["versions"]

    def test_unlist_is_idempotent(self, listed_app):
        app_unlist(app=listed_app)
        app_unlist(app=listed_app)

        assert App.objects.get(pk=listed_app.pk).is_listed is False


class TestLogo:
    def test_sets_the_logo_with_its_real_extension(self, account):
        app = make_app(account=account)

        app_logo_set(app=app, upload=image_file(256, 256, "JPEG", name="me.png"))

        name = App.objects.get(pk=app.pk).logo.name
        assert name.startswith(f"listing/{app.code}/")
        assert name.endswith(".jpg")
        assert default_storage.exists(name)

    def test_replacing_removes_the_old_file_after_commit(
        self, account, django_capture_on_commit_callbacks
    ):
        app = make_app(account=account)
        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=app, upload=logo_file())
        old = App.objects.get(pk=app.pk).logo.name

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            app_logo_set(app=App.objects.get(pk=app.pk), upload=logo_file("WEBP"))

        new = App.objects.get(pk=app.pk).logo.name
        assert new != old
        assert len(callbacks) == 1
        assert not default_storage.exists(old)
        assert default_storage.exists(new)

    def test_a_caller_holding_an_old_copy_of_the_app_removes_the_file_stored_now(
        self, account, django_capture_on_commit_callbacks
    ):
        app = make_app(account=account)
        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=app, upload=logo_file())
        stale = App.objects.get(pk=app.pk)
        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=App.objects.get(pk=app.pk), upload=logo_file())
        between = App.objects.get(pk=app.pk).logo.name

        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=stale, upload=logo_file("WEBP"))

        last = App.objects.get(pk=app.pk).logo.name
        assert not default_storage.exists(between)
        assert default_storage.exists(last)

    def test_the_old_file_stays_until_commit(self, account, django_capture_on_commit_callbacks):
        app = make_app(account=account)
        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=app, upload=logo_file())
        old = App.objects.get(pk=app.pk).logo.name

        with django_capture_on_commit_callbacks(execute=False):
            app_logo_set(app=App.objects.get(pk=app.pk), upload=logo_file())

        assert default_storage.exists(old)

    def test_remove_clears_the_logo_and_its_file(self, account, django_capture_on_commit_callbacks):
        app = make_app(account=account)
        with django_capture_on_commit_callbacks(execute=True):
            app_logo_set(app=app, upload=logo_file())
        old = App.objects.get(pk=app.pk).logo.name

        with django_capture_on_commit_callbacks(execute=True):
            app_logo_remove(app=App.objects.get(pk=app.pk))

        assert App.objects.get(pk=app.pk).logo.name == ""
        assert not default_storage.exists(old)

    def test_removing_no_logo_is_harmless(self, account):
        app = make_app(account=account)

        app_logo_remove(app=app)

        assert App.objects.get(pk=app.pk).logo.name == ""

    @pytest.mark.parametrize(
        "upload",
        [
            image_file(256, 256, "GIF"),
            image_file(64, 64),
            image_file(300, 200),
        ],
        ids=["gif", "too-small", "not-square"],
    )
    def test_a_bad_image_names_the_field_and_keeps_the_old_logo(self, account, media, upload):
        app = make_app(account=account)
        app_logo_set(app=app, upload=logo_file())
        before = catalog_rows()
        files = sorted(p.name for p in media.rglob("*") if p.is_file())

        with pytest.raises(ValidationFailed) as caught:
            app_logo_set(app=App.objects.get(pk=app.pk), upload=upload)

        assert list(caught.value.fields) == ["logo"]
        assert catalog_rows() == before
        assert sorted(p.name for p in media.rglob("*") if p.is_file()) == files


class TestBanners:
    def test_banners_are_added_in_order(self, account):
        app = make_app(account=account)

        first = app_banner_add(app=app, upload=banner_file())
        second = app_banner_add(app=app, upload=banner_file("JPEG"))

        assert (first.position, second.position) == (1, 2)
        assert list(app.banners.all()) == [first, second]
        assert second.image.name.endswith(".jpg")
        assert default_storage.exists(second.image.name)

    def test_at_most_five_banners(self, account):
        app = make_app(account=account)
        for _ in range(MAX_BANNERS):
            app_banner_add(app=app, upload=banner_file())
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            app_banner_add(app=app, upload=banner_file())

        assert caught.value.fields == {"banner": ["Remove a banner first: an app has at most 5."]}
        assert catalog_rows() == before
        assert AppBanner.objects.filter(app=app).count() == 5

    def test_a_bad_banner_names_the_field(self, account):
        app = make_app(account=account)

        with pytest.raises(ValidationFailed) as caught:
            app_banner_add(app=app, upload=image_file(1200, 1200))

        assert list(caught.value.fields) == ["banner"]
        assert AppBanner.objects.count() == 0

    def test_remove_deletes_the_row_and_the_file(self, account, django_capture_on_commit_callbacks):
        app = make_app(account=account)
        banner = app_banner_add(app=app, upload=banner_file())
        name = banner.image.name

        with django_capture_on_commit_callbacks(execute=True):
            app_banner_remove(app=app, banner_id=banner.pk)

        assert AppBanner.objects.count() == 0
        assert not default_storage.exists(name)

    def test_another_apps_banner_is_not_found(self, account, other_account):
        app = make_app(account=account)
        theirs = app_banner_add(app=make_app(account=other_account), upload=banner_file())
        before = catalog_rows()

        with pytest.raises(NotFound):
            app_banner_remove(app=app, banner_id=theirs.pk)

        assert catalog_rows() == before
