"""POST /accounts/switch/: choose the current account among one's own."""

import pytest
from django.urls import reverse

from apps.accounts.middleware import SESSION_KEY
from tests.console.conftest import login_url

URL = reverse("console:accounts:account-switch")
HOME = reverse("console:home")


def test_anonymous_is_sent_to_login(client_for, other_account):
    client = client_for(None)

    response = client.post(URL, {"account": "globex"})

    assert response.status_code == 302
    assert response.url == login_url(URL)
    assert SESSION_KEY not in client.session


def test_get_is_refused(client_for, member_of_two):
    client = client_for(member_of_two)

    assert client.get(URL).status_code == 405
    assert SESSION_KEY not in client.session


def test_member_of_two_accounts_switches_and_back(
    client_for, member_of_two, account, other_account
):
    client = client_for(member_of_two)
    members = reverse("console:accounts:member-list")

    response = client.post(URL, {"account": "globex", "next": members})

    assert response.status_code == 302
    assert response.url == members
    assert client.session[SESSION_KEY] == other_account.pk
    home = client.get(HOME)
    assert home.context["current_membership"].account == other_account
    assert "You are now working in Globex." in home.content.decode()

    client.post(URL, {"account": "acme"})

    assert client.session[SESSION_KEY] == account.pk
    assert client.get(HOME).context["current_membership"].account == account


@pytest.mark.parametrize("slug", ["globex", "no-such-account", ""])
def test_an_account_one_is_not_a_member_of_is_a_404_and_changes_nothing(
    client_for, admin, account, other_account, slug
):
    client = client_for(admin)
    client.post(URL, {"account": "acme"})
    assert client.session[SESSION_KEY] == account.pk

    response = client.post(URL, {"account": slug})

    assert response.status_code == 404
    assert client.session[SESSION_KEY] == account.pk


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(client_for, member_of_two, next_url):
    response = client_for(member_of_two).post(URL, {"account": "globex", "next": next_url})

    assert response.status_code == 302
    assert response.url == HOME


def test_an_inactive_account_cannot_be_switched_to(client_for, member_of_two, other_account):
    other_account.is_active = False
    other_account.save()
    client = client_for(member_of_two)

    response = client.post(URL, {"account": "globex"})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session
