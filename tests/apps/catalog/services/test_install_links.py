"""Install links: created for any version but a rejected one, with only a keyed hash of
the token stored; revoked at once; resolved to the link or refused with 404 (unknown) or
410 (revoked, expired, app not usable)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.actors import actor_for_user, actor_system
from apps.catalog.models import InstallLink, VersionStatus
from apps.catalog.policies import Party
from apps.catalog.services import (
    LinkGone,
    app_deactivate,
    app_delete,
    install_link_create,
    install_link_resolve,
    install_link_revoke,
    version_transition,
)
from apps.core.crypto import keyed_digest
from apps.core.errors import Conflict, NotFound, ValidationFailed
from tests.apps.accounts.api.test_api_keys import tables_containing
from tests.apps.catalog.services.helpers import catalog_rows
from tests.factories.catalog import make_app, make_install_link, make_version

pytestmark = pytest.mark.django_db

S = VersionStatus


@pytest.fixture
def version(account):
    return make_version(app=make_app(account=account), status=S.APPROVED)


class TestCreate:
    def test_returns_the_raw_token_once_and_stores_only_its_hash(self, version, developer):
        before = timezone.now()

        link, raw = install_link_create(
            version=version, label=" Beta tester ", actor=actor_for_user(user=developer)
        )

        link = InstallLink.objects.get(pk=link.pk)
        assert raw.startswith(f"mil_{link.token_id}_")
        assert link.display_prefix == f"mil_{link.token_id}"
        assert link.token_hash == keyed_digest(raw)
        assert link.label == "Beta tester"
        assert link.created_by == developer
        assert link.revoked_at is None
        assert before + timedelta(days=7) <= link.expires_at <= timezone.now() + timedelta(days=7)
        assert tables_containing(raw) == []

    @pytest.mark.parametrize("days", [1, 90])
    def test_the_expiry_can_be_chosen(self, version, days):
        link, _ = make_install_link(version=version, days=days)

        expected = timezone.now() + timedelta(days=days)
        assert abs(link.expires_at - expected) < timedelta(minutes=1)

    @pytest.mark.parametrize(
        "status", [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.HIDDEN]
    )
    def test_every_status_but_rejected_can_be_linked(self, account, status):
        version = make_version(app=make_app(account=account), status=status)

        link, _ = make_install_link(version=version)

        assert link.version == version

    def test_a_rejected_version_is_refused(self, account):
        version = make_version(app=make_app(account=account), status=S.REJECTED)
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            make_install_link(version=version)

        assert caught.value.code == "version_not_installable"
        assert catalog_rows() == before

    def test_an_inactive_app_is_refused(self, version):
        app_deactivate(app=version.app)
        before = catalog_rows()

        with pytest.raises(Conflict) as caught:
            make_install_link(version=version)

        assert caught.value.code == "app_inactive"
        assert catalog_rows() == before

    @pytest.mark.parametrize(
        ("kwargs", "fields"),
        [
            ({"expires_in_days": 0}, {"expires_in_days": ["Choose from 1 to 90 days."]}),
            ({"expires_in_days": 91}, {"expires_in_days": ["Choose from 1 to 90 days."]}),
            ({"expires_in_days": "7"}, {"expires_in_days": ["Choose from 1 to 90 days."]}),
            ({"label": "x" * 101}, {"label": ["Use at most 100 characters."]}),
        ],
    )
    def test_bad_input_names_the_field(self, version, kwargs, fields):
        before = catalog_rows()

        with pytest.raises(ValidationFailed) as caught:
            install_link_create(version=version, actor=actor_system(label="t"), **kwargs)

        assert caught.value.fields == fields
        assert catalog_rows() == before


class TestRevoke:
    def test_revoke_stops_the_link_and_records_who(self, version, developer):
        link, raw = make_install_link(version=version)

        install_link_revoke(link=link, actor=actor_for_user(user=developer))

        link = InstallLink.objects.get(pk=link.pk)
        assert link.revoked_at is not None
        assert link.revoked_by == developer
        with pytest.raises(LinkGone):
            install_link_resolve(raw_token=raw)

    def test_revoke_is_idempotent(self, version, developer):
        link, _ = make_install_link(version=version)
        install_link_revoke(link=link, actor=actor_for_user(user=developer))
        first = InstallLink.objects.get(pk=link.pk).revoked_at

        install_link_revoke(link=link, actor=actor_system(label="API key"))

        link = InstallLink.objects.get(pk=link.pk)
        assert link.revoked_at == first
        assert link.revoked_by == developer


class TestResolve:
    def test_a_live_link_resolves_with_its_version_and_app(self, version):
        link, raw = make_install_link(version=version)

        resolved = install_link_resolve(raw_token=f"  {raw} ")

        assert resolved == link
        assert resolved.version == version
        assert resolved.version.app == version.app

    @pytest.mark.parametrize(
        "token",
        ["", "nonsense", "mil_", "mil_000000000000_abc", "mpk_abc_def"],
    )
    def test_an_unknown_token_is_not_found(self, version, token):
        make_install_link(version=version)

        with pytest.raises(NotFound) as caught:
            install_link_resolve(raw_token=token)

        assert caught.value.message == (
            "This install link is not valid. Ask the developer for a new one."
        )

    def test_a_right_id_with_a_wrong_secret_is_not_found(self, version):
        _, raw = make_install_link(version=version)

        with pytest.raises(NotFound):
            install_link_resolve(raw_token=raw[:-2] + ("aa" if raw[-2:] != "aa" else "bb"))

    def test_a_revoked_link_is_gone(self, version):
        link, raw = make_install_link(version=version)
        install_link_revoke(link=link, actor=actor_system(label="t"))

        with pytest.raises(LinkGone) as caught:
            install_link_resolve(raw_token=raw)

        assert caught.value.status_code == 410
        assert caught.value.code == "link_unusable"
        assert caught.value.message == (
            "The developer revoked this install link. Ask them for a new one."
        )

    def test_an_expired_link_is_gone(self, version):
        link, raw = make_install_link(version=version)
        InstallLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

        with pytest.raises(LinkGone) as caught:
            install_link_resolve(raw_token=raw)

        assert caught.value.message.startswith("This install link expired on ")

    def test_a_link_of_an_inactive_app_is_gone(self, version):
        _, raw = make_install_link(version=version)
        app_deactivate(app=version.app)

        with pytest.raises(LinkGone) as caught:
            install_link_resolve(raw_token=raw)

        assert caught.value.message == "The app “Invoicer” cannot be installed at the moment."

    def test_deleting_the_app_revokes_its_links(self, version):
        _, raw = make_install_link(version=version)
        app_delete(app=version.app)

        with pytest.raises(LinkGone):
            install_link_resolve(raw_token=raw)

    def test_a_link_to_a_version_rejected_afterwards_is_gone(self, account):
        version = make_version(app=make_app(account=account), status=S.IN_REVIEW)
        _, raw = make_install_link(version=version)
        version_transition(
            version=version,
            target=S.REJECTED,
            party=Party.MODERATOR,
            actor=actor_system(label="t"),
            reason="Broken.",
        )

        with pytest.raises(LinkGone) as caught:
            install_link_resolve(raw_token=raw)

        assert caught.value.message == "Version 1.0.0 of “Invoicer” can no longer be installed."
