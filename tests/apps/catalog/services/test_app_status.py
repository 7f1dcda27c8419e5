"""Deactivate, activate and delete: the OAuth client is suspended with the app, and an app
being deleted refuses every change."""

import pytest

from apps.accounts.actors import actor_system
from apps.catalog.models import (
    App,
    AppStatus,
    AppVersion,
    InstallLink,
    VersionEvent,
    VersionStatus,
)
from apps.catalog.policies import Party
from apps.catalog.services import (
    app_activate,
    app_banner_add,
    app_banner_remove,
    app_credentials_rotate,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_listing_update,
    app_logo_remove,
    app_logo_set,
    app_rename,
    app_unlist,
    install_link_create,
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_transition,
    version_update,
    version_withdraw,
)
from apps.core.errors import Conflict
from apps.oauth.models import Application
from tests.apps.catalog.services.helpers import catalog_rows
from tests.factories.catalog import (
    banner_file,
    by,
    logo_file,
    make_app,
    make_install_link,
    make_version,
    manifest_text,
)

pytestmark = pytest.mark.django_db


def suspended(app: App) -> bool:
    return Application.objects.get(pk=app.oauth_application_id).is_suspended


class TestDeactivateActivate:
    def test_deactivate_suspends_the_client_and_activate_lifts_it(self, account):
        app = make_app(account=account)

        app_deactivate(app=app)
        assert App.objects.get(pk=app.pk).status == AppStatus.INACTIVE
        assert suspended(app)
        assert app.status == AppStatus.INACTIVE

        app_activate(app=app)
        assert App.objects.get(pk=app.pk).status == AppStatus.ACTIVE
        assert not suspended(app)
        assert app.status == AppStatus.ACTIVE

    def test_both_are_idempotent(self, account):
        app = make_app(account=account)

        app_deactivate(app=app)
        app_deactivate(app=app)
        assert (App.objects.get(pk=app.pk).status, suspended(app)) == (AppStatus.INACTIVE, True)

        app_activate(app=app)
        app_activate(app=app)
        assert (App.objects.get(pk=app.pk).status, suspended(app)) == (AppStatus.ACTIVE, False)

    def test_an_inactive_app_keeps_its_versions_and_listing(self, account):
        app = make_app(account=account)
        version = make_version(app=app, status=VersionStatus.PUBLISHED)
        app_listing_update(app=app, summary="S", description="D", support_email="help@example.com")
        app_list_in_catalog(app=app)

        app_deactivate(app=app)

        version.refresh_from_db()
        assert version.status == VersionStatus.PUBLISHED
        assert App.objects.get(pk=app.pk).is_listed is True


class TestDelete:
    def test_delete_marks_the_app_unlists_it_suspends_the_client_and_revokes_links(self, account):
        app = make_app(account=account)
        version = make_version(app=app, status=VersionStatus.PUBLISHED)
        app_listing_update(app=app, summary="S", description="D", support_email="help@example.com")
        app_list_in_catalog(app=app)
        link, _ = make_install_link(version=version)

        app_delete(app=app)

        stored = App.objects.get(pk=app.pk)
        assert stored.status == AppStatus.DELETING
        assert stored.deleting_at is not None
        assert stored.is_listed is False
        assert suspended(app)
        assert InstallLink.objects.get(pk=link.pk).revoked_at is not None
        version.refresh_from_db()
        assert version.status == VersionStatus.PUBLISHED  # the lifecycle job removes it

    def test_delete_is_idempotent(self, account):
        app = make_app(account=account)
        app_delete(app=app)
        first = App.objects.get(pk=app.pk).deleting_at

        app_delete(app=App.objects.get(pk=app.pk))

        assert App.objects.get(pk=app.pk).deleting_at == first
        assert suspended(app)

    def test_an_inactive_app_can_be_deleted(self, account):
        app = app_deactivate(app=make_app(account=account))

        app_delete(app=app)

        assert App.objects.get(pk=app.pk).status == AppStatus.DELETING


# Every service that changes an app or its versions, called on a version in a status
# from which the call would otherwise succeed.
CALLS = {
    "app_rename": (VersionStatus.DRAFT, lambda app, v, b: app_rename(app=app, name="New")),
    "app_listing_update": (
        VersionStatus.DRAFT,
        lambda app, v, b: app_listing_update(app=app, summary="New"),
    ),
    "app_logo_set": (
        VersionStatus.DRAFT,
        lambda app, v, b: app_logo_set(app=app, upload=logo_file()),
    ),
    "app_logo_remove": (VersionStatus.DRAFT, lambda app, v, b: app_logo_remove(app=app)),
    "app_banner_add": (
        VersionStatus.DRAFT,
        lambda app, v, b: app_banner_add(app=app, upload=banner_file()),
    ),
    "app_banner_remove": (
        VersionStatus.DRAFT,
        lambda app, v, b: app_banner_remove(app=app, banner_id=b.pk),
    ),
    "app_activate": (VersionStatus.DRAFT, lambda app, v, b: app_activate(app=app)),
    "app_deactivate": (VersionStatus.DRAFT, lambda app, v, b: app_deactivate(app=app)),
    "app_list_in_catalog": (
        VersionStatus.PUBLISHED,
        lambda app, v, b: app_list_in_catalog(app=app),
    ),
    "app_unlist": (VersionStatus.DRAFT, lambda app, v, b: app_unlist(app=app)),
    "app_credentials_rotate": (
        VersionStatus.DRAFT,
        lambda app, v, b: app_credentials_rotate(app=app),
    ),
    "version_create": (
        VersionStatus.DRAFT,
        lambda app, v, b: version_create(app=app, raw=manifest_text("2.0.0"), actor=by()),
    ),
    "version_update": (
        VersionStatus.DRAFT,
        lambda app, v, b: version_update(version=v, changelog="Changed.", actor=by()),
    ),
    "version_submit": (
        VersionStatus.DRAFT,
        lambda app, v, b: version_submit(version=v, actor=by()),
    ),
    "version_withdraw": (
        VersionStatus.SUBMITTED,
        lambda app, v, b: version_withdraw(version=v, actor=by()),
    ),
    "version_claim": (
        VersionStatus.SUBMITTED,
        lambda app, v, b: version_transition(
            version=v, target=VersionStatus.IN_REVIEW, party=Party.MODERATOR, actor=by()
        ),
    ),
    "version_publish": (
        VersionStatus.APPROVED,
        lambda app, v, b: version_publish(version=v, actor=by()),
    ),
    "version_hide": (
        VersionStatus.PUBLISHED,
        lambda app, v, b: version_hide(version=v, actor=by()),
    ),
    "install_link_create": (
        VersionStatus.DRAFT,
        lambda app, v, b: install_link_create(version=v, actor=by()),
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_deleting_app_refuses_every_change(account, name, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    status, call = CALLS[name]
    app = make_app(account=account)
    version = make_version(app=app, status=status)
    app_listing_update(app=app, summary="S", description="D", support_email="help@example.com")
    banner = app_banner_add(app=app, upload=banner_file())
    app_delete(app=app)
    # As a request would load them: fresh from the database.
    app = App.objects.get(pk=app.pk)
    version = AppVersion.objects.get(pk=version.pk)
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        call(app, version, banner)

    assert caught.value.code == "app_deleting"
    assert caught.value.message == (
        "The app “Invoicer” is being deleted; nothing can change it any more."
    )
    assert catalog_rows() == before


def test_a_delete_that_commits_first_wins_over_a_caller_holding_the_old_app(account):
    """The app's state is part of the version's compare-and-set: a caller whose copy of
    the app still says active cannot move a version once the delete has committed."""
    app = make_app(account=account)
    version = make_version(app=app)
    stale = AppVersion.objects.select_related("app").get(pk=version.pk)
    app_delete(app=App.objects.get(pk=app.pk))
    assert stale.app.status == AppStatus.ACTIVE
    events = VersionEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        version_submit(version=stale, actor=actor_system(label="t"))

    assert refused.value.code == "app_deleting"
    assert AppVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT
    assert VersionEvent.objects.count() == events


@pytest.mark.parametrize("name", list(CALLS))
def test_a_delete_that_commits_first_wins_over_every_change_from_a_stale_app(
    account, name, settings, tmp_path
):
    """A caller that loaded the app before a delete committed (a request racing the
    delete) is refused too, and writes nothing: above all, activating does not lift the
    suspension of a deleting app's OAuth client."""
    settings.MEDIA_ROOT = str(tmp_path)
    status, call = CALLS[name]
    app = make_app(account=account)
    version = make_version(app=app, status=status)
    app_listing_update(app=app, summary="S", description="D", support_email="help@example.com")
    banner = app_banner_add(app=app, upload=banner_file())
    if name == "app_activate":
        app_deactivate(app=app)
    stale_app = App.objects.get(pk=app.pk)
    stale_version = AppVersion.objects.select_related("app").get(pk=version.pk)
    app_delete(app=App.objects.get(pk=app.pk))
    assert stale_app.status != AppStatus.DELETING
    before = catalog_rows()

    with pytest.raises(Conflict) as caught:
        call(stale_app, stale_version, banner)

    assert caught.value.code == "app_deleting"
    assert catalog_rows() == before
    assert suspended(app)
