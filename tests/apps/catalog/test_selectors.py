"""Catalog reads: what each account, the public catalog and the moderation queue see,
and how versions compare."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.actors import ANONYMOUS, actor_for_user
from apps.catalog.models import AppStatus, AppVersion, VersionStatus
from apps.catalog.selectors import (
    AGE_FILTERS,
    ScopeLine,
    age_cutoff,
    app_get_for_developer,
    app_list_for_developer,
    catalog_app_get,
    catalog_app_list,
    catalog_versions,
    install_link_get,
    install_link_list_for_version,
    listing_image_get,
    version_diff,
    version_get,
    version_history,
    version_last_published,
    version_list_for_app,
    version_list_in_moderation,
    version_previous,
    version_scope_lines,
)
from apps.catalog.services import (
    app_banner_add,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_listing_update,
    app_logo_set,
    version_hide,
)
from apps.core.errors import NotFound
from tests.factories.catalog import (
    banner_file,
    by,
    logo_file,
    make_app,
    make_install_link,
    make_version,
    manifest_data,
)

pytestmark = pytest.mark.django_db

S = VersionStatus
LISTING = {"summary": "S", "description": "D", "support_email": "help@example.com"}
TASK_SCOPE = {"code": "task", "level": "read", "reason": "Links invoices to tasks."}


def listed(account, name="Invoicer"):
    app = make_app(account=account, name=name)
    make_version(app=app, status=S.PUBLISHED)
    app_listing_update(app=app, **LISTING)
    return app_list_in_catalog(app=app)


class TestDeveloperApps:
    def test_lists_only_the_accounts_apps_with_their_counts(self, account, other_account):
        invoicer = make_app(account=account, name="Invoicer")
        make_version(app=invoicer, number="1.0.0", status=S.PUBLISHED)
        make_version(app=invoicer, number="1.1.0", status=S.IN_REVIEW)
        make_version(app=invoicer, number="1.2.0", status=S.SUBMITTED)
        make_version(app=invoicer, number="1.3.0")
        make_app(account=account, name="Blank", type="private")
        make_version(app=make_app(account=other_account, name="Theirs"))
        deleting = app_delete(app=make_app(account=account, name="Zombie"))

        apps = list(app_list_for_developer(account=account))

        assert [a.name for a in apps] == ["Blank", "Invoicer", "Zombie"]
        by_name = {a.name: a for a in apps}
        row = by_name["Invoicer"]
        assert (row.version_count, row.pending_count) == (4, 2)
        assert (row.latest_number, row.published_number) == ("1.3.0", "1.0.0")
        row = by_name["Blank"]
        assert (row.version_count, row.pending_count) == (0, 0)
        assert (row.latest_number, row.published_number) == (None, None)
        assert by_name["Zombie"].pk == deleting.pk  # a deleting app is still shown

    def test_published_number_is_the_last_published(self, account):
        app = make_app(account=account, type="private")
        make_version(app=app, number="1.0.0", status=S.PUBLISHED)
        make_version(app=app, number="2.0.0", status=S.PUBLISHED)
        make_version(app=app, number="3.0.0", status=S.HIDDEN)

        assert app_list_for_developer(account=account).get().published_number == "2.0.0"

    def test_one_query_for_any_number_of_apps(self, account, django_assert_num_queries):
        for i in range(55):
            app = make_app(account=account, name=f"App {i:02d}", type="private")
            make_version(app=app, status=S.PUBLISHED)

        with django_assert_num_queries(1):
            rows = [
                (a.name, a.oauth_application.client_id, a.version_count, a.published_number)
                for a in app_list_for_developer(account=account)
            ]

        assert len(rows) == 55

    def test_get_finds_an_app_by_its_code(self, account):
        app = make_app(account=account)

        found = app_get_for_developer(account=account, code=str(app.code))

        assert found == app
        assert found.version_count == 0

    @pytest.mark.parametrize("code", ["nonsense", "", None, "00000000-0000-0000-0000-000000000000"])
    def test_get_refuses_bad_or_unknown_codes(self, account, code):
        make_app(account=account)

        with pytest.raises(NotFound):
            app_get_for_developer(account=account, code=code)

    def test_get_refuses_another_accounts_app(self, account, other_account):
        theirs = make_app(account=other_account)

        with pytest.raises(NotFound):
            app_get_for_developer(account=account, code=theirs.code)


class TestVersions:
    def test_versions_newest_first_and_get_by_number(self, account, other_account):
        app = make_app(account=account)
        first = make_version(app=app, number="1.0.0")
        second = make_version(app=app, number="1.1.0")
        make_version(app=make_app(account=other_account), number="9.0.0")

        assert list(version_list_for_app(app=app)) == [second, first]
        assert version_get(app=app, number="1.0.0") == first
        with pytest.raises(NotFound):
            version_get(app=app, number="9.0.0")

    def test_previous_is_the_next_lower_number(self, account):
        app = make_app(account=account, type="private")
        v1 = make_version(app=app, number="1.2.0")
        v2 = make_version(app=app, number="1.10.0")
        v3 = make_version(app=app, number="2.0.0-beta.1")
        v4 = make_version(app=app, number="2.0.0")

        assert version_previous(version=v1) is None
        assert version_previous(version=v2) == v1
        assert version_previous(version=v3) == v2
        assert version_previous(version=v4) == v3

    def test_last_published_is_the_latest_still_published(self, account):
        app = make_app(account=account, type="private")
        assert version_last_published(app=app) is None
        v1 = make_version(app=app, number="1.0.0", status=S.PUBLISHED)
        v2 = make_version(app=app, number="1.1.0", status=S.PUBLISHED)
        make_version(app=app, number="1.2.0")

        assert version_last_published(app=app) == v2
        assert version_last_published(app=app, exclude=v2) == v1
        version_hide(version=v2, actor=by())
        assert version_last_published(app=app) == v1

    def test_diff_against_another_version(self, account):
        app = make_app(account=account)
        old = make_version(app=app, number="1.0.0", status=S.PUBLISHED)
        new = make_version(
            app=app,
            number="1.1.0",
            scopes=[*manifest_data()["scopes"], TASK_SCOPE],
        )

        diff = version_diff(version=new, against=version_last_published(app=app, exclude=new))

        assert diff is not None
        body = diff.as_dict()
        assert (body["from_version"], body["to_version"]) == ("1.0.0", "1.1.0")
        assert body["needs_consent"] is True
        assert body["scopes"]["added"] == ["task:read"]
        assert body["scopes"]["removed"] == []
        assert body["webhooks"] == {"added": [], "removed": [], "changed": []}
        assert version_diff(version=old, against=version_previous(version=old)) is None

    def test_history_oldest_first(self, account):
        version = make_version(app=make_app(account=account), status=S.IN_REVIEW)

        assert [(e.from_status, e.to_status) for e in version_history(version=version)] == [
            ("", "draft"),
            ("draft", "submitted"),
            ("submitted", "in_review"),
        ]

    def test_scope_lines_in_plain_words_with_reasons(self, account):
        version = make_version(app=make_app(account=account))

        assert version_scope_lines(version=version) == [
            ScopeLine(
                scope="crm.accounts:read",
                phrase="View CRM accounts, companies and contacts, with their phones and e-mails",
                reason="Shows the customer on invoices.",
            ),
            ScopeLine(
                scope="fin.invoices:full",
                phrase=(
                    "View, create, change and delete invoices, their items and the links "
                    "between them"
                ),
                reason="Creates invoices from deals.",
            ),
        ]


class TestInstallLinks:
    def test_listed_per_version_newest_first(self, account):
        app = make_app(account=account)
        version = make_version(app=app)
        other = make_version(app=app, number="1.1.0")
        first, _ = make_install_link(version=version)
        second, _ = make_install_link(version=version)
        theirs, _ = make_install_link(version=other)

        assert list(install_link_list_for_version(version=version)) == [second, first]
        assert install_link_get(version=version, link_id=first.pk) == first
        with pytest.raises(NotFound):
            install_link_get(version=version, link_id=theirs.pk)


class TestCatalog:
    def test_only_public_active_listed_apps_with_a_published_version(self, account):
        shown = listed(account, "Shown")
        inactive = listed(account, "Inactive")
        app_deactivate(app=inactive)
        deleting = listed(account, "Deleting")
        app_delete(app=deleting)
        hidden_version = listed(account, "Hidden version")
        version_hide(version=hidden_version.versions.get(), actor=by())
        unlisted = make_app(account=account, name="Unlisted")
        make_version(app=unlisted, status=S.PUBLISHED)
        private = make_app(account=account, name="Private", type="private")
        make_version(app=private, status=S.PUBLISHED)

        assert list(catalog_app_list()) == [shown]

    def test_each_app_once_with_its_latest_published_number_and_developer(
        self, account, django_assert_num_queries
    ):
        app = listed(account)
        make_version(app=app, number="1.1.0", status=S.PUBLISHED)
        make_version(app=app, number="1.2.0", status=S.SUBMITTED)

        with django_assert_num_queries(1):
            rows = [(a.name, a.published_number, a.account.name) for a in catalog_app_list()]

        assert rows == [("Invoicer", "1.1.0", "Acme Corp")]

    def test_get_and_versions(self, account):
        app = listed(account)
        make_version(app=app, number="1.2.0", status=S.PUBLISHED)
        make_version(app=app, number="1.10.0", status=S.PUBLISHED)
        make_version(app=app, number="2.0.0", status=S.APPROVED)

        assert catalog_app_get(code=str(app.code)) == app
        assert [v.number for v in catalog_versions(app=app)] == ["1.10.0", "1.2.0", "1.0.0"]

    def test_get_refuses_apps_outside_the_catalog(self, account):
        app = make_app(account=account)
        make_version(app=app, status=S.PUBLISHED)

        for code in (app.code, "nonsense"):
            with pytest.raises(NotFound):
                catalog_app_get(code=code)


class TestModerationQueue:
    def test_oldest_submission_first_without_deleting_apps(self, account, other_account):
        now = timezone.now()
        young = make_version(app=make_app(account=account, name="Young"), status=S.SUBMITTED)
        old = make_version(app=make_app(account=other_account, name="Old"), status=S.IN_REVIEW)
        gone = make_version(app=make_app(account=account, name="Gone"), status=S.SUBMITTED)
        make_version(app=make_app(account=account, name="Draft"))
        make_version(app=make_app(account=account, name="Done"), status=S.APPROVED)
        for version, age in ((young, 1), (old, 5), (gone, 9)):
            AppVersion.objects.filter(pk=version.pk).update(submitted_at=now - timedelta(days=age))
        app_delete(app=gone.app)

        assert list(version_list_in_moderation()) == [old, young]

    def test_inactive_apps_stay_in_the_queue(self, account):
        version = make_version(app=make_app(account=account), status=S.SUBMITTED)
        app_deactivate(app=version.app)

        assert list(version_list_in_moderation()) == [version]

    def test_age_filters(self):
        assert list(AGE_FILTERS) == ["1d", "3d", "7d", "14d"]
        cutoff = age_cutoff("3d")
        assert abs((timezone.now() - timedelta(days=3)) - cutoff) < timedelta(seconds=5)


class TestListingImages:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)

    def test_anyone_sees_the_images_of_a_catalog_app(self, account):
        app = listed(account)
        app_logo_set(app=app, upload=logo_file())
        banner = app_banner_add(app=app, upload=banner_file())

        assert listing_image_get(code=app.code).name == app.logo.name
        assert listing_image_get(code=app.code, banner_id=banner.pk).name == banner.image.name

    def test_an_unlisted_apps_images_are_for_its_members_and_moderators(
        self, account, developer, member, outsider, moderator
    ):
        app = make_app(account=account)
        app_logo_set(app=app, upload=logo_file())

        def viewer(user):
            return actor_for_user(user=user, membership=user.memberships.first())

        assert listing_image_get(code=app.code, actor=viewer(developer)).name == app.logo.name
        assert listing_image_get(code=app.code, actor=viewer(member)).name == app.logo.name
        assert listing_image_get(code=app.code, actor=viewer(moderator)).name == app.logo.name
        for actor in (ANONYMOUS, viewer(outsider)):
            with pytest.raises(NotFound):
                listing_image_get(code=app.code, actor=actor)

    def test_missing_images_are_not_found(self, account, other_account):
        app = listed(account)
        theirs = app_banner_add(app=make_app(account=other_account), upload=banner_file())

        with pytest.raises(NotFound):
            listing_image_get(code=app.code)
        with pytest.raises(NotFound):
            listing_image_get(code=app.code, banner_id=theirs.pk)
        with pytest.raises(NotFound):
            listing_image_get(code="nonsense")


def test_a_deleting_app_keeps_its_status_in_the_developer_list(account):
    app_delete(app=make_app(account=account))

    assert app_list_for_developer(account=account).get().status == AppStatus.DELETING
