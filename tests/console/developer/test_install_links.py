"""Developer Console install links: create (the link shown once), list, revoke."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import App, AppVersion, InstallLink
from apps.catalog.services import app_deactivate, app_delete, install_link_resolve
from tests.console.conftest import login_url
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_install_link, make_version


def create_url(version: AppVersion) -> str:
    return reverse(
        "console:developer:install_link-create",
        kwargs={"code": version.app.code, "number": version.number},
    )


def revoke_url(link: InstallLink) -> str:
    return reverse(
        "console:developer:install_link-revoke",
        kwargs={
            "code": link.version.app.code,
            "number": link.version.number,
            "link_id": link.pk,
        },
    )


def created_url(link: InstallLink) -> str:
    return reverse(
        "console:developer:install_link-created",
        kwargs={
            "code": link.version.app.code,
            "number": link.version.number,
            "link_id": link.pk,
        },
    )


def detail_url(version: AppVersion) -> str:
    return reverse(
        "console:developer:version-detail",
        kwargs={"code": version.app.code, "number": version.number},
    )


def state() -> tuple:
    return (
        list(App.objects.order_by("pk").values()),
        list(AppVersion.objects.order_by("pk").values()),
        list(InstallLink.objects.order_by("pk").values()),
    )


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def version(account, developer):
    app = make_app(account=account, name="Invoicer", type="private", user=developer)
    return make_version(app=app, number="1.0.0", status="draft")


@pytest.fixture
def link(version):
    link, _raw = make_install_link(version=version, label="Globex beta")
    return link


DENIED = [
    ("member", 403),
    ("admin", 403),
    ("outsider", 403),
    ("other_developer", 404),
    ("moderator", 404),
    ("staff", 404),
]

PAGES = [
    ("create", "get", None),
    ("create", "post", {"label": "Sneaky", "expires_in_days": 7}),
    ("revoke", "get", None),
    ("revoke", "post", {}),
    ("created", "get", None),
]


def _target(kind: str, link: InstallLink) -> str:
    if kind == "create":
        return create_url(link.version)
    return {"revoke": revoke_url, "created": created_url}[kind](link)


class TestAccessMatrix:
    @pytest.mark.parametrize(("kind", "method", "data"), PAGES)
    def test_anonymous_is_sent_to_login_and_nothing_changes(
        self, client_for, link, kind, method, data
    ):
        target = _target(kind, link)
        before = state()

        response = getattr(client_for(None), method)(target, data)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert state() == before

    @pytest.mark.parametrize(("persona", "status"), DENIED)
    @pytest.mark.parametrize(("kind", "method", "data"), PAGES)
    def test_denied_personas_change_nothing(
        self, client_for, request, link, persona, status, kind, method, data
    ):
        client = client_for(request.getfixturevalue(persona))
        before = state()

        response = getattr(client, method)(_target(kind, link), data)

        assert response.status_code == status
        assert "Globex beta" not in response.content.decode()
        assert state() == before

    def test_a_link_of_another_version_is_404(self, client_for, developer, version, link):
        newer = make_version(app=version.app, number="1.1.0")
        url = reverse(
            "console:developer:install_link-revoke",
            kwargs={"code": version.app.code, "number": newer.number, "link_id": link.pk},
        )
        before = state()
        client = client_for(developer)

        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert state() == before


class TestCreate:
    def test_the_form_defaults_to_seven_days(self, client_for, developer, version):
        response = client_for(developer).get(create_url(version))

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="expires_in_days" value="7"' in html
        assert "From 1 to 90 days." in html

    def test_shows_the_full_link_once(self, client_for, developer, version):
        client = client_for(developer)
        before = timezone.now()

        response = client.post(
            create_url(version), {"label": "  Globex beta  ", "expires_in_days": "14"}
        )

        # Post/redirect/get: the link's page shows it, so a reload never posts again.
        link = InstallLink.objects.get()
        assert response.status_code == 302
        assert response.url == created_url(link)
        assert (link.version, link.label, link.created_by) == (version, "Globex beta", developer)
        assert 13.99 < (link.expires_at - before).total_seconds() / 86400 <= 14.01
        page = client.get(response.url)
        assert "no-store" in page["Cache-Control"]
        link_url = page.context["link_url"]
        match = re.fullmatch(r"http://testserver/install/(mil_[0-9a-f]{12}_[\w-]+)/", link_url)
        assert match, link_url
        token = match.group(1)
        assert token.startswith(link.display_prefix + "_")
        assert install_link_resolve(raw_token=token) == link
        html = page.content.decode()
        assert f'value="{link_url}"' in html
        assert "This is the only time it is shown" in html
        # ...and never again: not stored, not in the session, not on the version's page.
        assert token not in "".join(str(v) for v in InstallLink.objects.values().get().values())
        assert token not in str(dict(client.session.items()))
        assert token not in client.get(response.url).content.decode()
        detail = client.get(detail_url(version)).content.decode()
        assert token not in detail
        assert f"<code>{link.display_prefix}…</code>" in detail
        assert "Globex beta" in detail
        assert "dev@acme.test" in detail

    @pytest.mark.parametrize(
        ("days", "error"),
        [
            ("0", "Choose from 1 to 90 days."),
            ("91", "Choose from 1 to 90 days."),
            ("", "Choose from 1 to 90 days."),
            ("soon", "Enter a whole number of days from 1 to 90."),
        ],
    )
    def test_a_bad_expiry_is_a_field_error(self, client_for, developer, version, days, error):
        before = state()

        response = client_for(developer).post(
            create_url(version), {"label": "Beta", "expires_in_days": days}
        )

        assert response.status_code == 200
        assert response.context["form"].errors == {"expires_in_days": [error]}
        assert error in response.content.decode()
        assert "link_url" not in response.context
        assert state() == before

    def test_a_too_long_label_is_a_field_error(self, client_for, developer, version):
        before = state()

        response = client_for(developer).post(
            create_url(version), {"label": "x" * 101, "expires_in_days": "7"}
        )

        assert response.context["form"].errors == {"label": ["Use at most 100 characters."]}
        assert state() == before

    def test_a_rejected_version_gets_no_link(self, client_for, developer, account):
        public = make_app(account=account, name="Public one", type="public")
        rejected = make_version(app=public, number="1.0.0", status="rejected")
        before = state()

        response = client_for(developer).post(
            create_url(rejected), {"label": "Beta", "expires_in_days": "7"}
        )

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            "Version 1.0.0 is rejected; a rejected version cannot be installed."
        ]
        assert state() == before

    def test_an_inactive_app_gets_no_link(self, client_for, developer, version):
        app_deactivate(app=version.app)
        before = state()

        response = client_for(developer).post(
            create_url(version), {"label": "Beta", "expires_in_days": "7"}
        )

        assert response.context["form"].non_field_errors() == [
            "Activate the app before sharing install links."
        ]
        assert state() == before

    def test_a_deleting_app_is_refused_with_a_message(self, client_for, developer, version):
        app_delete(app=version.app)
        before = state()

        response = client_for(developer).post(
            create_url(version), {"label": "Beta", "expires_in_days": "7"}, follow=True
        )

        assert "is being deleted; nothing can change it any more" in response.content.decode()
        assert state() == before

    def test_the_version_page_offers_a_link_only_when_it_can_be_made(
        self, client_for, developer, version
    ):
        client = client_for(developer)

        assert f'href="{create_url(version)}"' in client.get(detail_url(version)).content.decode()

        app_deactivate(app=version.app)

        assert create_url(version) not in client.get(detail_url(version)).content.decode()


class TestRevoke:
    def test_confirms_then_revokes(self, client_for, developer, link):
        client = client_for(developer)

        confirm = client.get(revoke_url(link))

        assert confirm.status_code == 200
        assert "stops working at once" in confirm.content.decode()
        link.refresh_from_db()
        assert link.revoked_at is None

        response = client.post(revoke_url(link), follow=True)

        assert response.redirect_chain == [(detail_url(link.version), 302)]
        html = response.content.decode()
        assert f"The install link {link.display_prefix}… is revoked" in html
        assert ">Revoked</span>" in html
        link.refresh_from_db()
        assert link.revoked_at is not None
        assert link.revoked_by == developer

    def test_revoking_twice_changes_nothing(self, client_for, developer, link):
        client = client_for(developer)
        client.post(revoke_url(link))
        before = state()

        response = client.post(revoke_url(link), follow=True)

        assert "was already revoked" in response.content.decode()
        assert "was revoked on" in client.get(revoke_url(link)).content.decode()
        assert state() == before

    def test_an_unknown_link_is_404(self, client_for, developer, version):
        url = reverse(
            "console:developer:install_link-revoke",
            kwargs={"code": version.app.code, "number": "1.0.0", "link_id": 999999},
        )

        assert client_for(developer).get(url).status_code == 404
