"""An admin's member pages: changing a member, the last-admin refusal, deactivating,
inviting, and a person joining through the invitation's link."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.middleware import SESSION_KEY
from apps.accounts.models import AccountEvent, Invitation, Membership, User
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def edit_url(user) -> str:
    return reverse("console:accounts:member-edit", kwargs={"user_id": user.pk})


def test_admin_changes_a_members_role_groups_and_developer_right(
    client_for, admin, member, account, sales_role
):
    team = GroupFactory(account=account, name="North")
    client = client_for(admin)

    page = client.get(edit_url(member))
    response = client.post(
        edit_url(member), {"role": "", "groups": [team.pk], "is_developer": "on"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    membership = Membership.objects.get(user=member)
    assert (membership.role, list(membership.groups.all()), membership.is_developer) == (
        None,
        [team],
        True,
    )
    history = client.get(reverse("console:accounts:event-list")).content.decode()
    assert "Member changed" in history
    assert "role: Sales → —" in history
    assert "developer: no → yes" in history


def test_the_last_admin_is_told_why_they_cannot_step_down(client_for, admin):
    response = client_for(admin).post(edit_url(admin), {"role": "", "is_admin": ""})

    assert response.status_code == 400
    assert "only admin" in response.content.decode()
    assert Membership.objects.get(user=admin).is_admin is True


def test_deactivate_then_the_member_is_shut_out(client_for, admin, member):
    url = reverse("console:accounts:member-deactivate", kwargs={"user_id": member.pk})

    response = client_for(admin).post(url)

    assert response.status_code == 302
    assert Membership.objects.get(user=member).is_active is False
    assert client_for(member).get("/apps/").status_code == 403


def test_an_invited_person_signs_up_and_lands_in_the_account_with_the_role(
    client_for, admin, account, sales_role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("console:accounts:invitation-create"),
            {"email": "new@person.test", "role": sales_role.pk},
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/join/[^/\s]+/)", message.body).group(1)

    browser = client_for(None)
    page = browser.get(link)
    joined = browser.post(
        link,
        {
            "full_name": "New Person",
            "password1": "A-long-passphrase-9",
            "password2": "A-long-passphrase-9",
        },
    )

    assert "Sign up as" in page.content.decode()
    # The token stays out of Referer headers to other sites; the form posts to its own.
    assert page["Referrer-Policy"] == "same-origin"
    assert joined.status_code == 302
    assert joined.url == "/"
    user = User.objects.get(email="new@person.test")
    membership = Membership.objects.get(user=user)
    assert (membership.account, membership.role) == (account, sales_role)
    assert browser.session[SESSION_KEY] == account.pk
    home = browser.get("/").content.decode()
    assert "Acme Corp" in home
    assert Invitation.objects.get().status == "accepted"
    assert AccountEvent.objects.filter(kind="invitation_accepted").exists()


def test_an_existing_user_is_asked_to_sign_in_then_accepts(
    client_for, admin, outsider, account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(
            reverse("console:accounts:invitation-create"), {"email": "admin@globex.test"}
        )
    link = re.search(r"http://testserver(/accounts/join/[^/\s]+/)", mail.outbox[0].body).group(1)

    signed_out = client_for(None).get(link).content.decode()
    accepted = client_for(outsider).post(link)

    assert "Sign in to accept" in signed_out
    assert accepted.status_code == 302
    assert Membership.objects.filter(user=outsider, account=account).exists()


def test_an_unknown_link_is_404(client_for):
    assert client_for(None).get("/accounts/join/not-a-token/").status_code == 404
