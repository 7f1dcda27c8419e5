"""Invitations: e-mailed links that expire, accepted by the invited address only, by an
existing user or by signing up; resend makes a new link, revoke kills it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.errors import AccountError
from apps.accounts.models import AccountEvent, Invitation, Membership, User
from apps.accounts.services import (
    invitation_accept,
    invitation_accept_by_signup,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from apps.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

LINKS: list[str] = []


def link_for(token: str) -> str:
    LINKS.append(token)
    return f"https://acme.test/invitations/{token}/"


def last_token() -> str:
    return LINKS[-1]


@pytest.fixture
def invite(as_admin, account, sales_role, django_capture_on_commit_callbacks):
    team = GroupFactory(account=account, name="North")

    def make(email="new@person.test", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return invitation_create(
                actor=as_admin,
                email=email,
                link_for=link_for,
                role_id=sales_role.pk,
                group_ids=[team.pk],
                is_developer=True,
                **kwargs,
            )

    return make


def test_invite_sends_the_link_by_email_and_records_it(invite):
    invitation = invite(email=" New@Person.test ")

    assert invitation.email == "new@person.test"
    assert invitation.status == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert invitation.token_hash != last_token()  # only a digest is stored
    (message,) = mail.outbox
    assert message.to == ["new@person.test"]
    assert "Acme Corp" in message.subject
    assert f"https://acme.test/invitations/{last_token()}/" in message.body
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.detail["role"]) == (
        "member_invited",
        "new@person.test",
        "Sales",
    )


def test_signing_up_through_the_invitation_makes_a_member_with_its_role(invite, sales_role):
    invite()

    user, membership = invitation_accept_by_signup(
        raw_token=last_token(), full_name="New Person", password="A-long-enough-passphrase"
    )

    assert user.email == "new@person.test"
    assert user.check_password("A-long-enough-passphrase")
    assert (membership.role, membership.is_developer, membership.is_admin) == (
        sales_role,
        True,
        False,
    )
    assert [g.name for g in membership.groups.all()] == ["North"]
    assert Invitation.objects.get().status == "accepted"
    assert AccountEvent.objects.filter(kind="invitation_accepted", target=user.email).exists()


def test_a_weak_password_is_refused_by_field_and_nothing_is_written(invite):
    invite()

    with pytest.raises(ValidationFailed) as excinfo:
        invitation_accept_by_signup(raw_token=last_token(), full_name="N", password="123")

    assert list(excinfo.value.fields) == ["password"]
    assert not User.objects.filter(email="new@person.test").exists()
    assert Invitation.objects.get().status == "pending"


def test_an_existing_user_accepts_with_their_address_only(invite, account):
    invite(email="known@person.test")
    other = UserFactory(email="other@person.test")

    with pytest.raises(Conflict) as excinfo:
        invitation_accept(raw_token=last_token(), user=other)
    assert excinfo.value.code == AccountError.INVITATION_FOR_ANOTHER_EMAIL
    assert not Membership.objects.filter(user=other, account=account).exists()

    known = UserFactory(email="known@person.test")
    membership = invitation_accept(raw_token=last_token(), user=known)

    assert membership.account == account
    with pytest.raises(Conflict) as again:
        invitation_accept(raw_token=last_token(), user=known)
    assert again.value.code == AccountError.INVITATION_GONE


def test_an_expired_invitation_cannot_be_accepted(invite):
    invitation = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with pytest.raises(Conflict) as excinfo:
        invitation_accept_by_signup(
            raw_token=last_token(), full_name="", password="A-long-enough-passphrase"
        )

    assert excinfo.value.code == AccountError.INVITATION_GONE
    assert "expired" in excinfo.value.message
    assert not User.objects.filter(email="new@person.test").exists()


def test_resend_makes_a_new_link_and_the_old_one_stops_working(
    invite, as_admin, django_capture_on_commit_callbacks
):
    invitation = invite()
    old = last_token()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(actor=as_admin, invitation=invitation, link_for=link_for)

    assert len(mail.outbox) == 2
    assert Invitation.objects.get().status == "pending"
    assert Invitation.objects.get().send_count == 2
    with pytest.raises(Exception):
        invitation_accept_by_signup(raw_token=old, full_name="", password="A-long-passphrase-9")
    invitation_accept_by_signup(
        raw_token=last_token(), full_name="", password="A-long-passphrase-9"
    )


def test_revoke_kills_the_link_and_is_idempotent(invite, as_admin):
    invitation = invite()

    invitation_revoke(actor=as_admin, invitation=invitation)
    invitation_revoke(actor=as_admin, invitation=invitation)

    assert Invitation.objects.get().status == "revoked"
    assert AccountEvent.objects.filter(kind="invitation_revoked").count() == 1
    with pytest.raises(Conflict):
        invitation_accept_by_signup(
            raw_token=last_token(), full_name="", password="A-long-enough-passphrase"
        )


def test_an_open_invitation_or_a_member_cannot_be_invited_again(invite, member):
    invite()

    with pytest.raises(Conflict) as twice:
        invite()
    with pytest.raises(Conflict) as member:
        invite(email="member@acme.test")

    assert twice.value.code == AccountError.ALREADY_INVITED
    assert member.value.code == AccountError.ALREADY_MEMBER
    assert Invitation.objects.count() == 1


def test_a_member_cannot_invite(as_member):
    with pytest.raises(PermissionDenied):
        invitation_create(actor=as_member, email="x@y.test", link_for=link_for)

    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_bad_address_is_refused_by_field(as_admin):
    with pytest.raises(ValidationFailed) as excinfo:
        invitation_create(actor=as_admin, email="not an address", link_for=link_for)

    assert list(excinfo.value.fields) == ["email"]
