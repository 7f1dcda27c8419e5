"""The client secret's page: after creating an app or rotating its secret, the secret is
shown once to the session that made it; reload, Back or anyone else finds only what to do
if it was lost, and nothing is created or rotated again."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from oauth2_provider.models import get_application_model

from apps.catalog.models import App
from apps.catalog.services import app_delete
from tests.console.conftest import login_url
from tests.factories import MembershipFactory, UserFactory
from tests.factories.catalog import make_app_with_secret

CREATE = reverse("console:developer:app-create")


def url(name: str, app: App) -> str:
    return reverse(f"console:developer:{name}", kwargs={"code": app.code})


def clients() -> list:
    return list(
        get_application_model().objects.order_by("pk").values("pk", "client_id", "client_secret")
    )


def apps() -> list:
    return list(App.objects.order_by("pk").values())


@pytest.fixture
def dev_client(client_for, developer):
    return client_for(developer)


@pytest.fixture
def second_developer(account):
    """Another developer of ``account``, signed in elsewhere."""
    return MembershipFactory(
        account=account, user=UserFactory(email="dev2@acme.test"), is_developer=True
    ).user


@pytest.fixture
def other_developer(other_account):
    return MembershipFactory(
        account=other_account, user=UserFactory(email="dev@globex.test"), is_developer=True
    ).user


@pytest.fixture
def created(dev_client):
    """The developer has just created an app: (the app, the redirect to its secret)."""
    response = dev_client.post(CREATE, {"name": "Invoicer", "type": "public"})
    return App.objects.get(name="Invoicer"), response


@pytest.fixture
def rotated(dev_client, account):
    """The developer has just rotated an app's secret: (the app, the redirect)."""
    app, _old = make_app_with_secret(account=account, name="Rotated")
    response = dev_client.post(url("app-credentials-rotate", app))
    app.refresh_from_db()
    return app, response


class TestAfterCreate:
    def test_the_redirect_shows_the_secret_once(self, dev_client, created):
        app, response = created

        page = dev_client.get(response.url)

        assert page.status_code == 200
        assert "no-store" in page["Cache-Control"]
        secret = page.context["client_secret"]
        assert check_password(secret, app.oauth_application.client_secret)
        assert f'value="{secret}"' in page.content.decode()

    def test_a_reload_shows_it_no_more_and_creates_nothing(self, dev_client, created):
        app, response = created
        secret = dev_client.get(response.url).context["client_secret"]
        before = (apps(), clients())

        reloaded = dev_client.get(response.url)

        assert reloaded.status_code == 200
        assert "no-store" in reloaded["Cache-Control"]
        assert reloaded.context["client_secret"] is None
        html = reloaded.content.decode()
        assert secret not in html
        assert "The client secret was shown once, right after it was made with the app" in html
        assert "rotate the secret to get a new one" in html
        assert f'href="{url("app-credentials-rotate", app)}"' in html
        # The client id is not secret: it stays on the page.
        assert f'value="{app.oauth_application.client_id}"' in html
        assert (apps(), clients()) == before
        assert App.objects.count() == 1


class TestAfterRotate:
    def test_the_redirect_shows_the_new_secret_once(self, dev_client, rotated):
        app, response = rotated

        page = dev_client.get(response.url)

        secret = page.context["client_secret"]
        assert check_password(secret, app.oauth_application.client_secret)
        assert "The previous secret has stopped working." in page.content.decode()

    def test_a_reload_rotates_nothing(self, dev_client, rotated):
        app, response = rotated
        secret = dev_client.get(response.url).context["client_secret"]
        before = (apps(), clients())

        reloaded = dev_client.get(response.url)

        html = reloaded.content.decode()
        assert secret not in html
        assert "right after it was last rotated" in html
        assert (apps(), clients()) == before
        app.refresh_from_db()
        # The secret shown once is still the one that works.
        assert check_password(secret, app.oauth_application.client_secret)


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for, created):
        _app, response = created

        page = client_for(None).get(response.url)

        assert page.status_code == 302
        assert page.url == login_url(response.url)

    @pytest.mark.parametrize(("persona", "status"), [("member", 403), ("admin", 403)])
    def test_members_without_the_developer_right_are_refused(
        self, client_for, request, persona, status, created
    ):
        _app, response = created

        page = client_for(request.getfixturevalue(persona)).get(response.url)

        assert page.status_code == status
        assert "client_secret" not in (page.context or {})

    @pytest.mark.parametrize("persona", ["other_developer", "moderator", "staff"])
    def test_anyone_outside_the_account_gets_404(self, client_for, request, persona, created):
        _app, response = created

        page = client_for(request.getfixturevalue(persona)).get(response.url)

        assert page.status_code == 404

    def test_another_developers_session_never_sees_the_secret(
        self, client_for, dev_client, second_developer, created
    ):
        _app, response = created

        page = client_for(second_developer).get(response.url)

        assert page.status_code == 200
        assert page.context["client_secret"] is None
        # ...and the session that created it still gets it once.
        assert dev_client.get(response.url).context["client_secret"] is not None

    def test_a_secret_held_for_one_app_is_not_shown_on_another(self, dev_client, account, created):
        other, _secret = make_app_with_secret(account=account, name="Other")

        assert dev_client.get(url("app-secret", other)).context["client_secret"] is None

    def test_an_app_being_deleted_shows_nothing(self, dev_client, created):
        app, response = created
        app_delete(app=app)

        page = dev_client.get(response.url, follow=True)

        assert page.redirect_chain == [(url("app-detail", app), 302)]
        assert "is being deleted" in page.content.decode()

    def test_answers_get_only(self, dev_client, created):
        _app, response = created
        before = (apps(), clients())

        assert dev_client.post(response.url).status_code == 405
        assert (apps(), clients()) == before
