"""The new install link's page: it shows the full link once, to the session that made it;
reload, Back or anyone else finds only what to do if it was lost, and no second link is
made."""

import pytest
from django.urls import reverse

from apps.catalog.models import AppVersion, InstallLink
from tests.console.conftest import login_url
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import make_app, make_install_link, make_version


def create_url(version: AppVersion) -> str:
    return reverse(
        "console:developer:install_link-create",
        kwargs={"code": version.app.code, "number": version.number},
    )


def created_url(link: InstallLink, number: str | None = None) -> str:
    return reverse(
        "console:developer:install_link-created",
        kwargs={
            "code": link.version.app.code,
            "number": number or link.version.number,
            "link_id": link.pk,
        },
    )


def links() -> list:
    return list(InstallLink.objects.order_by("pk").values())


@pytest.fixture
def version(account, developer):
    app = make_app(account=account, name="Invoicer", type="private", user=developer)
    return make_version(app=app, number="1.0.0", status="published")


@pytest.fixture
def dev_client(client_for, developer):
    return client_for(developer)


@pytest.fixture
def second_developer(account):
    return MembershipFactory(
        account=account, user=UserFactory(email="dev2@acme.test"), is_developer=True
    ).user


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def created(dev_client, version):
    """The developer has just made a link: (the link, the redirect to its page)."""
    response = dev_client.post(create_url(version), {"label": "Acme pilot", "expires_in_days": 7})
    return InstallLink.objects.get(), response


class TestShownOnce:
    def test_the_redirect_shows_the_link_once(self, dev_client, created):
        link, response = created

        page = dev_client.get(response.url)

        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]
        link_url = page.context["link_url"]
        assert f"/install/{link.display_prefix}_" in link_url
        assert f'value="{link_url}"' in page.content.decode()

    def test_a_reload_shows_it_no_more_and_makes_no_link(self, dev_client, created):
        link, response = created
        link_url = dev_client.get(response.url).context["link_url"]
        before = links()

        reloaded = dev_client.get(response.url)

        assert reloaded.status_code == 200
        assert "no-store" in reloaded["Cache-Control"]
        assert reloaded.context["link_url"] is None
        html = reloaded.content.decode()
        assert link_url not in html
        assert "This link was shown once" in html
        assert "revoke it and create a new link" in html
        revoke = reverse(
            "console:developer:install_link-revoke",
            kwargs={"code": link.version.app.code, "number": "1.0.0", "link_id": link.pk},
        )
        assert f'href="{revoke}"' in html
        assert f'href="{create_url(link.version)}"' in html
        assert links() == before
        assert InstallLink.objects.count() == 1

    def test_a_revoked_link_offers_no_revoke(self, dev_client, version):
        link, _raw = make_install_link(version=version, label="Old")
        InstallLink.objects.filter(pk=link.pk).update(revoked_at=link.created_at)

        html = dev_client.get(created_url(link)).content.decode()

        assert ">Revoked</span>" in html
        assert "Revoke this link" not in html


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, created):
        _link, response = created

        page = client_for(None).get(response.url)

        assert page.status_code == 302
        assert page.url == login_url(response.url)

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("member", 403),
            ("admin", 403),
            ("outsider", 403),
            ("other_developer", 404),
            ("moderator", 404),
            ("staff", 404),
        ],
    )
    def test_denied_personas_see_nothing(self, client_for, request, persona, status, created):
        _link, response = created

        page = client_for(request.getfixturevalue(persona)).get(response.url)

        assert page.status_code == status
        assert "Acme pilot" not in page.content.decode()

    def test_another_developers_session_never_sees_the_link(
        self, client_for, dev_client, second_developer, created
    ):
        _link, response = created

        page = client_for(second_developer).get(response.url)

        assert page.status_code == 200
        assert page.context["link_url"] is None
        assert dev_client.get(response.url).context["link_url"] is not None

    def test_the_link_under_another_version_is_404_and_keeps_it(self, dev_client, version, created):
        link, response = created
        make_version(app=version.app, number="1.1.0")

        assert dev_client.get(created_url(link, number="1.1.0")).status_code == 404
        assert dev_client.get(response.url).context["link_url"] is not None

    def test_answers_get_only(self, dev_client, created):
        _link, response = created
        before = links()

        assert dev_client.post(response.url).status_code == 405
        assert links() == before
