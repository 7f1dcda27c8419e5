"""The page an install link opens: sign-in first, then the exact version it installs and
the account it would go into; unknown tokens 404, revoked or expired links 410."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.catalog.models import InstallLink
from apps.catalog.services import app_deactivate, app_logo_set, install_link_revoke
from tests.console.conftest import login_url
from tests.console.marketplace.conftest import SIGNED_IN, persona_client
from tests.factories import make_app, make_install_link, make_version
from tests.factories.catalog import by, logo_file


def link_url(token: str) -> str:
    return reverse("console:marketplace:install_link-detail", kwargs={"token": token})


def snapshot() -> list:
    return list(
        InstallLink.objects.order_by("pk").values_list(
            "pk", "revoked_at", "expires_at", "updated_at"
        )
    )


@pytest.fixture
def private_draft(account):
    """Version 0.9.0 of a private app, still a draft: only a link reaches it."""
    app = make_app(account=account, name="Internal tool", type="private")
    return make_version(app=app, number="0.9.0", changelog="For testers.")


@pytest.fixture
def link(private_draft):
    """``(link, raw token)`` for the private draft."""
    return make_install_link(version=private_draft)


class TestAccess:
    def test_anonymous_signs_in_and_comes_back(self, client_for, link, password):
        _link, raw = link
        url = link_url(raw)

        response = client_for(None).get(url)

        assert response.status_code == 302
        assert response.url == login_url(url)

    def test_after_signing_in_the_link_opens(self, client, admin, password, link):
        _link, raw = link
        url = link_url(raw)

        response = client.post(
            login_url(url), {"username": admin.email, "password": password}, follow=True
        )

        assert response.redirect_chain[-1] == (url, 302)
        assert response.status_code == 200
        assert response.context["version"].number == "0.9.0"

    @pytest.mark.parametrize("persona", SIGNED_IN)
    def test_every_signed_in_user_may_open_it(self, client_for, request, persona, link):
        _link, raw = link
        before = snapshot()

        response = persona_client(request, client_for, persona).get(link_url(raw))

        assert response.status_code == 200
        assert snapshot() == before

    def test_post_is_not_allowed(self, client_for, admin, link):
        _link, raw = link
        before = snapshot()

        assert client_for(admin).post(link_url(raw)).status_code == 405
        assert snapshot() == before


class TestValidLink:
    def test_shows_that_exact_version_and_the_target_account(self, client_for, admin, link):
        install_link, raw = link

        response = client_for(admin).get(link_url(raw))

        assert response.context["link"] == install_link
        assert response.context["version"].number == "0.9.0"
        html = response.content.decode()
        assert "Install Internal tool 0.9.0" in html
        assert "a private app that is not in the marketplace" in html
        assert '<span class="version-status version-status--draft" data-status="draft">' in html
        assert "Why: Shows the customer on invoices." in html
        assert (
            "It would be installed into <strong>Acme Corp</strong>, where you are an admin." in html
        )
        consent = "/oauth/authorize/?" + urlencode(
            {
                "client_id": install_link.version.app.oauth_application.client_id,
                "response_type": "code",
                "redirect_uri": "https://invoicer.example.com/oauth/callback",
                "account": "acme",
                "install_link": raw,
            }
        )
        assert f'id="install-button" href="{escape(consent)}">Install</a>' in html

    def test_an_admin_of_another_account_installs_into_theirs(self, client_for, outsider, link):
        _link, raw = link

        html = client_for(outsider).get(link_url(raw)).content.decode()

        assert "It would be installed into <strong>Globex</strong>, where you are an admin." in html
        assert escape("&account=globex&install_link=") in html

    @pytest.mark.parametrize("persona", ["member", "developer", "other_developer"])
    def test_a_non_admin_is_told_to_ask_an_admin(self, client_for, request, persona, link):
        _link, raw = link
        user = request.getfixturevalue(persona)
        account = user.memberships.get().account.name

        html = client_for(user).get(link_url(raw)).content.decode()

        assert f"ask an admin of {account} to install it." in html

    def test_a_version_of_a_public_app_in_moderation(self, client_for, admin, account):
        app = make_app(account=account, name="Invoicer", type="public")
        version = make_version(app=app, number="2.0.0", status="submitted")
        _link, raw = make_install_link(version=version)

        html = client_for(admin).get(link_url(raw)).content.decode()

        assert "Install Invoicer 2.0.0" in html
        assert "a version not yet published in the marketplace" in html

    def test_shows_no_logo_the_viewer_could_not_load(
        self, client_for, outsider, admin, link, settings, tmp_path
    ):
        settings.MEDIA_ROOT = str(tmp_path)
        install_link, raw = link
        app_logo_set(app=install_link.version.app, upload=logo_file())
        logo = reverse(
            "console:marketplace:app-logo", kwargs={"code": install_link.version.app.code}
        )

        # The recipient belongs to another account: the private app's logo is not theirs
        # to load, so the page must not show a broken image.
        outsider_client = client_for(outsider)
        assert outsider_client.get(logo).status_code == 404
        assert logo not in outsider_client.get(link_url(raw)).content.decode()
        # A member of the developer's account loads it, and sees it.
        admin_client = client_for(admin)
        assert admin_client.get(logo).status_code == 200
        assert f'src="{logo}"' in admin_client.get(link_url(raw)).content.decode()

    def test_the_token_stays_out_of_referers_and_caches(self, client_for, admin, link):
        _link, raw = link

        response = client_for(admin).get(link_url(raw))

        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]


class TestUnusableLink:
    @pytest.mark.parametrize(
        "token",
        ["mil_nothing_here", "not-a-link", "mil_"],
    )
    def test_an_unknown_token_is_not_found(self, client_for, admin, link, token):
        assert client_for(admin).get(link_url(token)).status_code == 404

    @pytest.mark.parametrize("token", ["mil_\x00abc_x", "mil_abc_\x00"])
    def test_a_token_with_a_nul_character_is_a_bad_request(self, client_for, admin, link, token):
        assert client_for(admin).get(link_url(token)).status_code == 400

    def test_a_wrong_secret_with_a_real_prefix_is_not_found(self, client_for, admin, link):
        install_link, raw = link
        forged = f"{install_link.display_prefix}_{'x' * 32}"

        assert forged != raw
        assert client_for(admin).get(link_url(forged)).status_code == 404

    def test_a_revoked_link_is_gone(self, client_for, admin, link):
        install_link, raw = link
        install_link_revoke(link=install_link, actor=by())

        response = client_for(admin).get(link_url(raw))

        assert response.status_code == 410
        html = response.content.decode()
        assert "The developer revoked this install link. Ask them for a new one." in html
        assert "Ask the developer who sent it for a new link" in html
        assert 'id="install-preview"' not in html

    def test_an_expired_link_is_gone(self, client_for, admin, link):
        install_link, raw = link
        expired = timezone.now() - timedelta(minutes=1)
        InstallLink.objects.filter(pk=install_link.pk).update(expires_at=expired)

        response = client_for(admin).get(link_url(raw))

        assert response.status_code == 410
        assert (
            f"This install link expired on {expired:%Y-%m-%d %H:%M} UTC. Ask the developer for "
            "a new one." in response.content.decode()
        )

    def test_a_link_to_an_inactive_app_is_gone(self, client_for, admin, link, private_draft):
        _link, raw = link
        app_deactivate(app=private_draft.app)

        response = client_for(admin).get(link_url(raw))

        assert response.status_code == 410
        assert "cannot be installed at the moment" in response.content.decode()

    def test_anonymous_visitors_learn_nothing_before_signing_in(self, client_for, link):
        install_link, raw = link
        install_link_revoke(link=install_link, actor=by())

        response = client_for(None).get(link_url(raw))

        assert response.status_code == 302
