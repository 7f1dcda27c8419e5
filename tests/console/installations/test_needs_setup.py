"""The "Needs setup" badge: the Installed apps list and the installed app's page mark an
installation whose required app-level settings have no value, with a link to the form,
until they are filled in; the settings form leads with what is missing. The form's
"Skip for now" is a POST of that form: its access matrix is the form's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import App, AppStatus
from apps.installations.models import Installation, InstallationStatus, SettingValue
from tests.console.conftest import login_url
from tests.console.installations.conftest import install, snapshot, url
from tests.factories import make_app, make_version

pytestmark = pytest.mark.django_db

SETTINGS = [
    {"key": "workspace", "level": "app", "type": "string", "label": "Workspace", "required": True},
    {"key": "api_token", "level": "app", "type": "secret", "label": "API token", "required": True},
    {
        "key": "region",
        "level": "app",
        "type": "select",
        "label": "Region",
        "required": True,
        "default": "eu",
        "options": [{"value": "eu", "label": "Europe"}, {"value": "us", "label": "US"}],
    },
    {"key": "notes", "level": "app", "type": "text", "label": "Notes"},
    {"key": "signature", "level": "user", "type": "string", "label": "Sig", "required": True},
]


@pytest.fixture
def connector(other_account):
    app = make_app(account=other_account, name="Connector", type="public")
    make_version(app=app, number="1.0.0", status="published", settings=SETTINGS)
    return app


@pytest.fixture
def installation(account, admin, connector):
    return install(account=account, version=connector.versions.get(), admin_user=admin)


def list_html(client) -> str:
    response = client.get(reverse("console:installations:installation-list"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_badge_shows_until_the_required_settings_are_filled(client_for, admin, installation):
    browser = client_for(admin)
    settings_link = f'href="{url("installation-settings", installation)}"'

    listed = list_html(browser)
    assert "Needs setup" in listed
    assert f'class="badge badge--amber needs-setup" {settings_link}' in listed
    page = browser.get(url("installation-detail", installation)).content.decode()
    assert 'id="needs-setup"' in page
    assert "Connector needs setup before it can work: fill in the required settings" in page
    assert "(Workspace, API token)" in page  # the region has a default
    assert settings_link in page
    form = browser.get(url("installation-settings", installation)).content.decode()
    assert "Connector needs setup before it can work" in form
    assert 'id="setup-skip"' not in form  # no app waits: an ordinary form

    # one of two has a value (as when an update adds a required setting)
    SettingValue.objects.create(installation=installation, key="workspace", value="acme")
    assert "Needs setup" in list_html(browser)
    assert "(API token)" in browser.get(url("installation-detail", installation)).content.decode()

    saved = browser.post(
        url("installation-settings", installation),
        {
            "setting-api_token": "tok_0123456789abcdef",
            "setting-region": "eu",
            "setting-workspace": "acme",
        },
    )
    assert saved.status_code == 302
    assert saved["Location"] == url("installation-settings", installation)
    assert "Needs setup" not in list_html(browser)
    page = browser.get(url("installation-detail", installation)).content.decode()
    assert "Needs setup" not in page
    assert 'id="needs-setup"' not in page


def test_an_app_with_no_empty_required_setting_has_no_badge(
    client_for, admin, account, other_account
):
    app = make_app(account=other_account, name="Quiet", type="public")
    version = make_version(
        app=app,
        number="1.0.0",
        status="published",
        settings=[s for s in SETTINGS if s["key"] in ("region", "notes", "signature")],
    )
    installation = install(account=account, version=version, admin_user=admin)

    assert "Needs setup" not in list_html(client_for(admin))
    assert "Needs setup" not in (
        client_for(admin).get(url("installation-detail", installation)).content.decode()
    )


def test_no_badge_while_uninstalling_or_while_its_developer_deletes_the_app(
    client_for, admin, installation, connector
):
    App.objects.filter(pk=connector.pk).update(status=AppStatus.DELETING)
    assert "Needs setup" not in list_html(client_for(admin))
    App.objects.filter(pk=connector.pk).update(status=AppStatus.ACTIVE)
    Installation.objects.filter(pk=installation.pk).update(status=InstallationStatus.UNINSTALLING)
    assert "Needs setup" not in list_html(client_for(admin))
    page = client_for(admin).get(url("installation-detail", installation)).content.decode()
    assert "Needs setup" not in page


def test_the_list_asks_one_query_for_the_setup_of_every_installation(
    client_for, admin, account, other_account, installation
):
    browser = client_for(admin)
    list_html(browser)  # warm the session
    with CaptureQueriesContext(connection) as one:
        list_html(browser)
    for n in range(3):
        app = make_app(account=other_account, name=f"More {n}", type="public")
        install(
            account=account,
            version=make_version(app=app, status="published", settings=SETTINGS),
            admin_user=admin,
        )
    with CaptureQueriesContext(connection) as four:
        listed = list_html(browser)
    assert listed.count("badge badge--amber needs-setup") == 4
    setup_queries = [q for q in four.captured_queries if "installations_settingvalue" in q["sql"]]
    assert len(setup_queries) == 1
    assert len(four.captured_queries) == len(one.captured_queries)


class TestSkipAccess:
    """ "Skip for now" posts to the settings form: the same deny rules, nothing changed."""

    def test_anonymous_signs_in_first(self, client_for, installation):
        before = snapshot(installation)
        target = url("installation-settings", installation)

        response = client_for(None).post(target, {"setup": "skip"})

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot(installation) == before

    def test_an_outsider_gets_404(self, client_for, outsider, installation):
        before = snapshot(installation)

        response = client_for(outsider).post(
            url("installation-settings", installation), {"setup": "skip"}
        )

        assert response.status_code == 404
        assert snapshot(installation) == before

    def test_a_member_without_admin_gets_403(self, client_for, member, installation):
        before = snapshot(installation)

        response = client_for(member).post(
            url("installation-settings", installation), {"setup": "skip"}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before

    def test_an_admin_without_an_app_waiting_goes_back_to_the_installed_app(
        self, client_for, admin, installation
    ):
        before = snapshot(installation)

        response = client_for(admin).post(
            url("installation-settings", installation), {"setup": "skip"}
        )

        assert response.status_code == 302
        assert response["Location"] == url("installation-detail", installation)
        assert snapshot(installation) == before
