"""Automatic updates as the admin sees them: an update waiting for approval is a notice
on the installed app page and a badge in the list, both leading to the update page that
shows the scope diff; the history says in plain words what the rollout did."""

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.installations.services import installation_pin, installation_rollout
from tests.console.installations.conftest import SETTINGS, url
from tests.factories import make_version

pytestmark = pytest.mark.django_db

LIST = reverse("console:installations:installation-list")
WITH_USERS = [
    {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
    {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
    {"code": "users", "level": "read", "reason": "Lists your colleagues on invoices."},
]


@pytest.fixture
def asks_more(invoicer):
    return make_version(
        app=invoicer, number="1.1.0", status="published", settings=SETTINGS, scopes=WITH_USERS
    )


@pytest.fixture
def waiting(installation, asks_more):
    installation_rollout(installation_id=installation.pk, version=asks_more)
    installation.refresh_from_db()
    assert installation.pending_version == asks_more
    return installation


def review_url(installation, number: str) -> str:
    return f"{url('installation-update', installation)}?version={number}"


def test_the_page_says_an_update_needs_approval(client_for, admin, waiting):
    html = client_for(admin).get(url("installation-detail", waiting)).content.decode()

    notice = html.split('id="pending-update"')[1].split("</div>")[0]
    assert "Update needs approval: version 1.1.0" in notice
    assert "<code>users:read</code>" in notice
    assert f'href="{review_url(waiting, "1.1.0")}"' in notice
    assert "Review update to 1.1.0" in html


def test_the_link_opens_the_scope_diff_of_that_version(client_for, admin, waiting):
    response = client_for(admin).get(review_url(waiting, "1.1.0"))

    assert response.status_code == 200
    assert response.context["target"].number == "1.1.0"
    assert [row["scope"] for row in response.context["new_scopes"]] == ["users:read"]
    assert "Lists your colleagues on invoices." in response.content.decode()


def test_the_list_shows_the_badge(client_for, admin, waiting):
    html = client_for(admin).get(LIST).content.decode()

    row = html.split(f'data-installation="{waiting.pk}"')[1].split("</tr>")[0]
    assert "Update needs approval: 1.1.0" in row
    assert f'href="{review_url(waiting, "1.1.0")}"' in row
    assert "Update available" not in row


def test_without_a_pending_update_there_is_no_notice(client_for, admin, installation, asks_more):
    html = client_for(admin).get(url("installation-detail", installation)).content.decode()

    assert 'id="pending-update"' not in html
    assert "Update needs approval" not in client_for(admin).get(LIST).content.decode()
    assert "Update available: 1.1.0" in html


def test_updating_with_consent_clears_the_notice(client_for, admin, waiting):
    client = client_for(admin)

    response = client.post(
        url("installation-update", waiting), {"version": "1.1.0", "consent": "on"}
    )

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.version.number, waiting.pending_version) == ("1.1.0", None)
    html = client.get(url("installation-detail", waiting)).content.decode()
    assert 'id="pending-update"' not in html
    assert "Update needs approval" not in client.get(LIST).content.decode()


def test_the_history_tells_what_the_rollout_did(client_for, admin, account, waiting):
    membership = admin.memberships.get(account=account)
    installation_pin(
        installation=waiting, pinned=True, actor=actor_for_user(user=admin, membership=membership)
    )
    installation_pin(
        installation=waiting, pinned=False, actor=actor_for_user(user=admin, membership=membership)
    )

    html = client_for(admin).get(url("installation-detail", waiting)).content.decode()
    history = html.split('id="installation-history"')[1].split("</section>")[0]

    assert (
        "Version 1.1.0 was not installed automatically: it also asks for users:read. "
        "An admin can review it and update."
    ) in history
    assert "Pinned to version 1.0.0: new versions are not installed automatically." in history
    assert "Unpinned: new versions that ask for no more access are installed automatically." in (
        history
    )
    assert history.count("Automatic update") == 1  # the actor of the approval request


def test_an_automatic_update_reads_as_one(client_for, admin, installation, invoicer):
    narrower = make_version(app=invoicer, number="1.2.0", status="published", settings=SETTINGS)
    installation_rollout(installation_id=installation.pk, version=narrower)

    html = client_for(admin).get(url("installation-detail", installation)).content.decode()
    history = html.split('id="installation-history"')[1].split("</section>")[0]

    assert "<strong>Automatic update</strong>" in history
    assert (
        "Updated automatically (the access it had covers the new version) from 1.0.0 to 1.2.0."
        in history
    )
