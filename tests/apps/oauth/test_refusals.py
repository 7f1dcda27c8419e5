"""The authorize step's refusals before consent: an install link that expired, was revoked
or is another app's, an unknown or deactivated app, a user without an account, and an
older version than the one installed. Each answers the page that says why, on the GET
and on an Allow posted anyway, and writes nothing: no installation, no code, no token, no
event, and the install link and the installation stay as they were."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.catalog.models import InstallLink
from apps.catalog.services import app_deactivate, install_link_revoke
from apps.installations.models import Installation
from apps.oauth.models import Grant, RefreshToken
from apps.oauth.views import consent_stamp
from tests.apps.installations.api.helpers import snapshot as installations_snapshot
from tests.apps.oauth.conftest import SCOPES, install, publish
from tests.factories import UserFactory
from tests.factories.catalog import by, make_install_link, make_version
from tests.factories.oauth import authorize_url, pkce_pair

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Every row an authorize request could write."""
    return {
        **installations_snapshot(),
        "grants": list(Grant.objects.order_by("pk").values_list("pk", "installation_id")),
        "refresh_tokens": list(RefreshToken.objects.order_by("pk").values_list("pk", "revoked")),
        "install_links": list(
            InstallLink.objects.order_by("pk").values_list(
                "pk", "version_id", "expires_at", "revoked_at", "revoked_by_id", "updated_at"
            )
        ),
    }


def assert_refused(
    browser, url: str, *, status: int, kind: str, message: str, version, mode: str
) -> None:
    """The GET shows the refusal; an Allow posted anyway, with the stamp the consent form
    would carry for ``version``, gets the same refusal; nothing was written by either."""
    before = snapshot()

    shown = browser.get(url)
    forged = browser.post(
        url, {"decision": "allow", "version_id": consent_stamp(version), "mode": mode}
    )

    for response in (shown, forged):
        assert response.status_code == status, response.content[:500]
        assert "Location" not in response
        assert response.context["refusal"].kind == kind
        assert message in response.context["refusal"].message
    assert snapshot() == before


def _url(client_id: str, **params: Any) -> str:
    _verifier, challenge = pkce_pair()
    return authorize_url(client_id, challenge=challenge, account="acme", **params)


# --- install links ---------------------------------------------------------------------------


def test_an_expired_install_link(client_for, admin, account, published):
    link, raw = make_install_link(version=published.version)
    InstallLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert_refused(
        client_for(admin),
        _url(published.client_id, install_link=raw),
        status=410,
        kind="link",
        message="This install link expired on",
        version=published.version,
        mode="install",
    )
    assert not Installation.objects.exists()


def test_a_revoked_install_link(client_for, admin, account, published):
    link, raw = make_install_link(version=published.version)
    install_link_revoke(link=link, actor=by())

    assert_refused(
        client_for(admin),
        _url(published.client_id, install_link=raw),
        status=410,
        kind="link",
        message="The developer revoked this install link.",
        version=published.version,
        mode="install",
    )
    assert not Installation.objects.exists()


def test_another_apps_install_link_with_this_apps_client_id(
    client_for, admin, account, published, developer_account
):
    other = publish(developer_account, name="Other app")
    _link, raw = make_install_link(version=other.version)

    assert_refused(
        client_for(admin),
        _url(published.client_id, install_link=raw),
        status=410,
        kind="link",
        message="This install link is for another app.",
        version=other.version,
        mode="install",
    )
    assert not Installation.objects.exists()


# --- the app ---------------------------------------------------------------------------------


def test_an_unknown_client_id(client_for, admin, account, published):
    install(published, account=account, admin=admin)

    assert_refused(
        client_for(admin),
        _url("no-such-client"),
        status=400,
        kind="unknown_client",
        message="No app has this client_id.",
        version=published.version,
        mode="authorize",
    )


@pytest.mark.parametrize("installed", [False, True], ids=["not-installed", "installed"])
def test_a_deactivated_app(client_for, admin, account, published, installed):
    if installed:
        install(published, account=account, admin=admin)
    app_deactivate(app=published.app)

    assert_refused(
        client_for(admin),
        _url(published.client_id),
        status=409,
        kind="app_unavailable",
        message="“Invoicer” is not available at the moment.",
        version=published.version,
        mode="authorize" if installed else "install",
    )
    assert Installation.objects.count() == int(installed)


# --- the user --------------------------------------------------------------------------------


def test_a_user_without_an_account(client_for, admin, account, published):
    install(published, account=account, admin=admin)
    nobody = UserFactory(email="nobody@example.test")

    assert_refused(
        client_for(nobody),
        _url(published.client_id).replace("&account=acme", ""),
        status=403,
        kind="no_account",
        message="You are not a member of any account",
        version=published.version,
        mode="install",
    )


# --- the version -----------------------------------------------------------------------------


def test_a_version_older_than_the_installed_one(client_for, admin, account, published):
    newer = make_version(app=published.app, number="1.1.0", status="published", scopes=SCOPES)
    installation = install(published, account=account, admin=admin, version=newer)

    assert_refused(
        client_for(admin),
        _url(published.client_id, version="1.0.0"),
        status=409,
        kind="cannot_install",
        message="Version 1.1.0 is installed; 1.0.0 is older.",
        version=published.version,
        mode="update",
    )
    installation.refresh_from_db()
    assert installation.version == newer
