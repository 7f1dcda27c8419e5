"""The console's Install buttons lead through the consent screen to an installation."""

import html as htmllib
import re

import pytest
from django.urls import reverse

from apps.installations.models import Installation
from tests.console.marketplace.conftest import make_catalog_app
from tests.factories import make_app, make_install_link, make_version
from tests.factories.oauth import allow, callback_params

pytestmark = pytest.mark.django_db


def button_href(page: str) -> str:
    match = re.search(r'id="install-button" href="([^"]+)"', page)
    assert match, "no install button"
    return htmllib.unescape(match.group(1))


def test_the_catalog_install_button_installs_after_consent(
    client_for, admin, account, other_account
):
    app = make_catalog_app(account=other_account, name="Invoicer")
    browser = client_for(admin)
    page = browser.get(reverse("console:marketplace:app-install", kwargs={"code": app.code}))

    params = callback_params(allow(browser, button_href(page.content.decode())))

    assert params["account"] == "acme" and "code" in params
    installation = Installation.objects.get(account=account, app=app)
    assert installation.version.number == "1.0.0"


def test_the_install_link_button_installs_that_exact_version(
    client_for, admin, account, other_account
):
    app = make_app(account=other_account, name="Internal", type="private")
    version = make_version(app=app, number="0.9.0", status="draft")
    link, raw = make_install_link(version=version)
    browser = client_for(admin)
    page = browser.get(reverse("console:marketplace:install_link-detail", kwargs={"token": raw}))

    callback_params(allow(browser, button_href(page.content.decode())))

    installation = Installation.objects.get(account=account, app=app)
    assert installation.version == version
    assert installation.install_link == link
