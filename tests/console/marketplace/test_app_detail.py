"""An app's catalog page, and the install page its button leads to."""

import uuid
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.actors import actor_for_user
from apps.catalog.models import App
from apps.catalog.services import (
    app_banner_add,
    app_deactivate,
    app_delete,
    app_listing_update,
    app_logo_set,
    app_unlist,
    version_hide,
)
from tests.console.conftest import login_url
from tests.console.marketplace.conftest import (
    EVERYONE,
    SIGNED_IN,
    make_catalog_app,
    persona_client,
)
from tests.factories import MembershipFactory, make_app, make_version
from tests.factories.catalog import banner_file, by, logo_file


def detail_url(app) -> str:
    return reverse("console:marketplace:app-detail", kwargs={"code": app.code})


def install_url(app) -> str:
    return reverse("console:marketplace:app-install", kwargs={"code": app.code})


def consent_url(app, account_slug: str, version: str = "1.0.0") -> str:
    """The consent screen for ``version`` on the account, as the page's button links it
    (HTML-escaped)."""
    query = urlencode(
        {
            "client_id": app.oauth_application.client_id,
            "response_type": "code",
            "redirect_uri": "https://invoicer.example.com/oauth/callback",
            "account": account_slug,
            "version": version,
        }
    )
    return escape(f"/oauth/authorize/?{query}")


def snapshot() -> list:
    return list(App.objects.order_by("pk").values_list("pk", "status", "is_listed", "updated_at"))


@pytest.fixture
def not_in_catalog(account):
    """One app for each reason an app is not in the catalog."""
    unlisted = make_catalog_app(account=account, name="Unlisted")
    app_unlist(app=unlisted)
    inactive = make_catalog_app(account=account, name="Inactive")
    app_deactivate(app=inactive)
    deleting = make_catalog_app(account=account, name="Deleting")
    app_delete(app=deleting)
    hidden = make_catalog_app(account=account, name="Hidden")
    version_hide(version=hidden.versions.get(), actor=by())
    private = make_app(account=account, name="Private", type="private")
    make_version(app=private, number="1.0.0", status="published")
    return {
        "unlisted": unlisted,
        "inactive": inactive,
        "deleting": deleting,
        "hidden": hidden,
        "private": private,
    }


class TestDetailAccess:
    @pytest.mark.parametrize("persona", EVERYONE)
    def test_everyone_sees_a_catalog_app(self, client_for, request, persona, listed):
        response = persona_client(request, client_for, persona).get(detail_url(listed))

        assert response.status_code == 200
        assert response.context["app"] == listed

    @pytest.mark.parametrize("reason", ["unlisted", "inactive", "deleting", "hidden", "private"])
    @pytest.mark.parametrize("persona", [None, "developer", "moderator"])
    def test_an_app_outside_the_catalog_is_not_found(
        self, client_for, request, not_in_catalog, reason, persona
    ):
        """Even its own developer and a moderator get 404 here: the catalog page is the
        public one."""
        client = persona_client(request, client_for, persona)

        response = client.get(detail_url(not_in_catalog[reason]))

        assert response.status_code == 404
        assert not_in_catalog[reason].name not in response.content.decode()

    def test_an_unknown_code_is_not_found(self, client_for, db):
        url = reverse("console:marketplace:app-detail", kwargs={"code": uuid.uuid4()})

        assert client_for(None).get(url).status_code == 404


class TestDetailContent:
    def test_shows_the_listing(self, client_for, listed):
        app_listing_update(
            app=listed,
            description="Creates invoices from won deals.\n\nSends them by e-mail.",
            support_url="https://invoicer.example.com/help",
        )
        app_logo_set(app=listed, upload=logo_file())
        banner = app_banner_add(app=listed, upload=banner_file())

        html = client_for(None).get(detail_url(listed)).content.decode()

        assert reverse("console:marketplace:app-logo", args=[listed.code]) in html
        assert reverse("console:marketplace:app-banner", args=[listed.code, banner.pk]) in html
        assert '<p class="lead">Invoices from deals</p>' in html
        assert "<p>Creates invoices from won deals.</p>\n\n<p>Sends them by e-mail.</p>" in html
        assert "By <strong>Acme Corp</strong> · version <code>1.0.0</code>" in html
        assert '<a href="mailto:help@invoicer.example.com">help@invoicer.example.com</a>' in html
        assert 'href="https://invoicer.example.com/help" rel="noopener noreferrer nofollow"' in html

    def test_says_what_it_will_be_able_to_do_with_reasons(self, client_for, listed):
        response = client_for(None).get(detail_url(listed))

        assert [line.scope for line in response.context["scope_lines"]] == [
            "crm.accounts:read",
            "fin.invoices:full",
        ]
        html = response.content.decode()
        assert (
            "<strong>View, create, change and delete invoices, their items and the links "
            'between them</strong><br><span class="muted">Why: Creates invoices from '
            "deals.</span>" in html
        )
        assert "An admin consents once for the account" in html

    def test_the_latest_published_version_is_described(self, client_for, listed):
        scopes = [{"code": "task", "level": "read", "reason": "Links tasks."}]
        make_version(
            app=listed,
            number="2.0.0",
            status="published",
            scopes=scopes,
            webhooks=[],
            authorization="user",
            changelog="Tasks instead of invoices.",
        )

        response = client_for(None).get(detail_url(listed))

        assert response.context["version"].number == "2.0.0"
        assert [line.scope for line in response.context["scope_lines"]] == ["task:read"]
        assert "Each user who uses it authorizes it once" in response.content.decode()

    def test_lists_published_versions_with_changelogs(self, client_for, listed):
        make_version(app=listed, number="1.1.0", status="published", changelog="Faster.")
        make_version(app=listed, number="1.2.0", status="hidden", changelog="Withdrawn.")
        make_version(app=listed, number="1.3.0", status="submitted", changelog="Secret.")

        response = client_for(None).get(detail_url(listed))

        assert [v.number for v in response.context["versions"]] == ["1.1.0", "1.0.0"]
        html = response.content.decode()
        assert "Faster." in html
        assert "First release." in html
        assert "Withdrawn." not in html
        assert "Secret." not in html

    def test_the_install_button_leads_to_the_install_page(self, client_for, listed):
        html = client_for(None).get(detail_url(listed)).content.decode()

        assert f'id="install-button" href="{install_url(listed)}">Install</a>' in html


class TestInstallAccess:
    def test_anonymous_signs_in_first_and_comes_back(self, client_for, listed):
        url = install_url(listed)

        response = client_for(None).get(url)

        assert response.status_code == 302
        assert response.url == login_url(url)

    @pytest.mark.parametrize("persona", SIGNED_IN)
    def test_every_signed_in_user_sees_the_preview(self, client_for, request, persona, listed):
        before = snapshot()

        response = persona_client(request, client_for, persona).get(install_url(listed))

        assert response.status_code == 200
        assert response.context["version"].number == "1.0.0"
        assert 'id="install-preview"' in response.content.decode()
        assert snapshot() == before

    @pytest.mark.parametrize("reason", ["unlisted", "inactive", "deleting", "hidden", "private"])
    def test_an_app_outside_the_catalog_is_not_found(
        self, client_for, admin, not_in_catalog, reason
    ):
        assert client_for(admin).get(install_url(not_in_catalog[reason])).status_code == 404

    def test_post_is_not_allowed(self, client_for, admin, listed):
        before = snapshot()

        assert client_for(admin).post(install_url(listed)).status_code == 405
        assert snapshot() == before


class TestInstallContent:
    def test_an_admin_sees_their_account_as_the_target(self, client_for, admin, listed):
        html = client_for(admin).get(install_url(listed)).content.decode()

        assert (
            "It would be installed into <strong>Acme Corp</strong>, where you are an admin." in html
        )
        assert f'id="install-button" href="{consent_url(listed, "acme")}">Install</a>' in html
        # The preview: scopes in plain words with reasons, where it appears, its settings.
        assert "Why: Shows the customer on invoices." in html
        assert 'Invoicer <code class="muted">main_menu</code>' in html
        assert "Company name" in html

    def test_the_target_follows_the_current_account(self, client_for, admin, other_account, listed):
        MembershipFactory(account=other_account, user=admin, is_admin=True)
        client = client_for(admin)
        client.post(reverse("console:accounts:account-switch"), {"account": "globex"})

        html = client.get(install_url(listed)).content.decode()

        assert "It would be installed into <strong>Globex</strong>, where you are an admin." in html
        assert "switch account in the header" in html
        assert consent_url(listed, "globex") in html

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_a_non_admin_is_told_to_ask_an_admin(self, client_for, request, persona, listed):
        html = (
            client_for(request.getfixturevalue(persona)).get(install_url(listed)).content.decode()
        )

        assert "ask an admin of Acme Corp to install it." in html
        assert "where you are an admin" not in html
        assert 'id="install-button"' not in html

    def test_someone_without_an_account_is_told_so(self, client_for, moderator, listed):
        html = client_for(moderator).get(install_url(listed)).content.decode()

        assert "You do not belong to any account yet, so there is nowhere to install it." in html


class TestInstalledApp:
    """An app installed on the current account says so and offers its page and the
    update instead of Install."""

    @pytest.fixture
    def installed(self, account, admin, other_account):
        from apps.installations.services import installation_install

        app = make_catalog_app(account=other_account, name="Timesheets")
        installation = installation_install(
            account=account,
            version=app.versions.get(),
            actor=actor_for_user(user=admin, membership=admin.memberships.get()),
        )
        return app, installation

    def test_the_app_page_says_which_version_is_installed(self, client_for, admin, installed):
        app, installation = installed
        manage = reverse(
            "console:installations:installation-detail",
            kwargs={"installation_id": installation.pk},
        )

        html = client_for(admin).get(detail_url(app)).content.decode()

        assert "Installed: version 1.0.0" in html
        assert f'id="manage-button" href="{manage}">Manage</a>' in html
        assert 'id="install-button"' not in html
        assert 'id="update-button"' not in html

    def test_a_newer_version_offers_the_update(self, client_for, admin, installed):
        app, installation = installed
        make_version(app=app, number="1.1.0", status="published")
        update = reverse(
            "console:installations:installation-update",
            kwargs={"installation_id": installation.pk},
        )

        for page in (detail_url(app), install_url(app)):
            html = client_for(admin).get(page).content.decode()
            assert f'id="update-button" href="{update}">Update</a>' in html

    def test_a_member_learns_it_is_installed_without_admin_links(
        self, client_for, member, installed
    ):
        app, _installation = installed

        html = client_for(member).get(install_url(app)).content.decode()

        assert "Version <code>1.0.0</code> is installed on <strong>Acme Corp</strong>." in html
        assert 'id="manage-button"' not in html
        assert 'id="install-button"' not in html

    def test_the_installed_app_in_another_account_does_not_count(
        self, client_for, outsider, installed
    ):
        app, _installation = installed

        html = client_for(outsider).get(detail_url(app)).content.decode()

        assert 'id="install-button"' in html
        assert "Installed: version" not in html
