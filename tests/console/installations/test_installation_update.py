"""Updating an installed app: newer published versions, the scope split, consent when
the new version asks for more."""

import pytest

from apps.installations.models import Installation
from tests.console.conftest import login_url
from tests.console.installations.conftest import SETTINGS, snapshot, url
from tests.factories import make_version

pytestmark = pytest.mark.django_db

MORE_SCOPES = [
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
    {"code": "task", "level": "read", "reason": "Links invoices to tasks."},
]


@pytest.fixture
def wider(invoicer):
    """1.1.0 asks for task:read on top."""
    return make_version(
        app=invoicer, number="1.1.0", status="published", settings=SETTINGS, scopes=MORE_SCOPES
    )


@pytest.fixture
def same(invoicer):
    """1.0.1 asks for the same."""
    return make_version(app=invoicer, number="1.0.1", status="published", settings=SETTINGS)


class TestAccess:
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_anonymous_signs_in_first(self, client_for, installation, wider, method):
        before = snapshot(installation)
        target = url("installation-update", installation)

        response = getattr(client_for(None), method)(target)

        assert response.status_code == 302
        assert response.url == login_url(target)
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_an_outsider_gets_404(self, client_for, outsider, installation, wider, method):
        before = snapshot(installation)

        response = getattr(client_for(outsider), method)(
            url("installation-update", installation), {"version": "1.1.0", "consent": "on"}
        )

        assert response.status_code == 404
        assert snapshot(installation) == before

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_member_without_admin_gets_403(self, client_for, member, installation, wider, method):
        before = snapshot(installation)

        response = getattr(client_for(member), method)(
            url("installation-update", installation), {"version": "1.1.0", "consent": "on"}
        )

        assert response.status_code == 403
        assert snapshot(installation) == before


def test_the_page_splits_new_and_approved_scopes(client_for, admin, installation, wider):
    response = client_for(admin).get(url("installation-update", installation))

    assert response.status_code == 200
    assert response.context["target"] == wider
    assert [r["scope"] for r in response.context["new_scopes"]] == ["task:read"]
    assert [r["scope"] for r in response.context["approved"]] == [
        "crm.accounts:read",
        "fin.invoices:full",
    ]
    html = response.content.decode()
    assert 'id="consent-field"' in html
    assert 'id="scopes-new"' in html
    reason = next(s["reason"] for s in MORE_SCOPES if s["code"] == "task")
    assert response.context["new_scopes"][0]["reason"] == reason
    assert f"Why: {reason}" in html


def test_without_consent_nothing_changes(client_for, admin, installation, wider):
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-update", installation), {"version": "1.1.0"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["consent"] == [
        "Agree to the new access to update, or cancel."
    ]
    assert snapshot(installation) == before


def test_with_consent_the_installation_moves(client_for, admin, installation, wider):
    response = client_for(admin).post(
        url("installation-update", installation), {"version": "1.1.0", "consent": "on"}, follow=True
    )

    installation.refresh_from_db()
    assert installation.version == wider
    assert "task:read" in installation.granted_scopes
    assert response.redirect_chain[-1][0] == url("installation-detail", installation)
    assert "is updated to version 1.1.0." in response.content.decode()


def test_the_same_scopes_need_no_consent(client_for, admin, installation, same):
    client = client_for(admin)
    page = client.get(url("installation-update", installation)).content.decode()
    assert 'id="consent-field"' not in page

    response = client.post(url("installation-update", installation), {"version": "1.0.1"})

    assert response.status_code == 302
    installation.refresh_from_db()
    assert installation.version == same


def test_an_unpublished_or_older_version_is_refused(client_for, admin, installation, invoicer):
    make_version(app=invoicer, number="2.0.0", status="submitted")
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-update", installation), {"version": "2.0.0", "consent": "on"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["version"]
    assert snapshot(installation) == before


def test_nothing_newer_says_so(client_for, admin, installation):
    html = client_for(admin).get(url("installation-update", installation)).content.decode()

    assert 'id="no-update"' in html


def test_while_uninstalling_nothing_changes(client_for, admin, installation, wider):
    Installation.objects.filter(pk=installation.pk).update(status="uninstalling")
    before = snapshot(installation)

    response = client_for(admin).post(
        url("installation-update", installation), {"version": "1.1.0", "consent": "on"}
    )

    assert response.status_code == 302
    assert snapshot(installation) == before
