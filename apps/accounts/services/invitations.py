"""Invitations: an admin invites a person by e-mail; the link in the e-mail expires, and
is accepted by the person signed in with that address, or by signing up with it.

Only a keyed hash of the link's token is stored; resending makes a new token (the old
link stops working) and a new expiry. The e-mail goes through Django's e-mail backend
after the transaction commits.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.actors import Actor, actor_for_user
from apps.accounts.errors import AccountError
from apps.accounts.models import AccountEvent, Invitation, Membership, User
from apps.accounts.services.common import membership_create
from apps.accounts.services.history import account_event_record
from apps.accounts.services.members import account_admin_for, groups_of, role_of
from apps.core.crypto import keyed_digest
from apps.core.errors import Conflict, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

# How to turn the raw token into the absolute address of the acceptance page.
LinkFor = Callable[[str], str]


def invitation_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "ACCOUNT_INVITATION_DAYS", 7))


def _normalized_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        from django.core.validators import validate_email

        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed(
            "Enter a valid e-mail address.", fields={"email": ["Enter a valid e-mail address."]}
        ) from exc
    return email


def _new_token() -> tuple[str, str]:
    raw = secrets.token_urlsafe(32)
    return raw, keyed_digest(raw)


def _send(invitation: Invitation, raw_token: str, link_for: LinkFor) -> None:
    """Send the invitation's e-mail once the transaction commits. A failing mail server
    does not undo the invitation: the admin sees it pending and can resend it."""
    link = link_for(raw_token)
    context = {
        "invitation": invitation,
        "account": invitation.account,
        "link": link,
        "invited_by": invitation.invited_by_label,
        "expires_at": invitation.expires_at,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation.txt", context)

    def deliver() -> None:
        try:
            send_mail(subject, body, None, [invitation.email])
        except Exception:
            logger.exception("The invitation e-mail to %s could not be sent.", invitation.email)

    transaction.on_commit(deliver)


def _insert(invitation: Invitation) -> Invitation:
    """Insert ``invitation``, sent now; an open invitation to the same address that has
    expired is revoked first, and one still pending wins (``already_invited``, decided
    by the unique constraint, so two admins inviting at once make one)."""
    now = timezone.now()
    Invitation.objects.filter(
        account=invitation.account,
        email__iexact=invitation.email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__lte=now,
    ).update(revoked_at=now, updated_at=now)
    invitation.sent_at = now
    invitation.expires_at = now + invitation_lifetime()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        raise Conflict(
            f"{invitation.email} has an open invitation already: resend or revoke it.",
            code=AccountError.ALREADY_INVITED,
            fields={"email": ["An invitation to this address is open already."]},
        ) from exc
    return invitation


@transaction.atomic
def invitation_create(
    *,
    actor: Actor,
    email: str,
    link_for: LinkFor,
    role_id: Any = None,
    group_ids: Iterable[Any] = (),
    is_admin: bool = False,
    is_developer: bool = False,
) -> Invitation:
    """Invite ``email`` into the account ``actor`` administers, with the role, groups and
    rights the membership will have, and e-mail the link (``link_for(token)``).

    Raises ``PermissionDenied`` for anyone but an admin or an API key of the account,
    ``ValidationFailed`` naming ``email``, ``role`` or ``groups``, ``Conflict`` with
    ``already_member`` when the address is a member's, and ``already_invited`` when an
    invitation to it is open (resend that one). An open invitation that has expired is
    revoked and replaced."""
    account = account_admin_for(actor=actor)
    email = _normalized_email(email)
    role = role_of(account, role_id)
    groups = groups_of(account, group_ids)
    if Membership.objects.filter(account=account, user__email__iexact=email).exists():
        raise Conflict(
            f"{email} is already a member of {account.name}.", code=AccountError.ALREADY_MEMBER
        )
    raw, digest = _new_token()
    invitation = _insert(
        Invitation(
            account=account,
            email=email,
            role=role,
            is_admin=bool(is_admin),
            is_developer=bool(is_developer),
            token_hash=digest,
            invited_by=actor.user,
            invited_by_label=actor.label,
        )
    )
    invitation.groups.set(groups)
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.MEMBER_INVITED,
        actor=actor,
        target=email,
        detail={
            "role": role.name if role else None,
            "groups": sorted(g.name for g in groups),
            "admin": invitation.is_admin,
            "developer": invitation.is_developer,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    _send(invitation, raw, link_for)
    return invitation


def _gone(invitation: Invitation) -> Conflict:
    status = invitation.status
    return Conflict(
        f"This invitation was {status} and cannot be used."
        if status != Invitation.Status.EXPIRED
        else "This invitation has expired. Ask an admin of the account to send a new one.",
        code=AccountError.INVITATION_GONE,
    )


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation, link_for: LinkFor) -> Invitation:
    """Send a pending or expired invitation again, with a new link (the old one stops
    working) that expires a full lifetime from now. ``invitation_gone`` for an accepted
    or revoked one."""
    account = account_admin_for(actor=actor, account_id=invitation.account_id)
    raw, digest = _new_token()
    now = timezone.now()
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise NotFound("No such invitation in this account.")
    if locked.accepted_at is not None or locked.revoked_at is not None:
        raise _gone(locked)
    locked.token_hash = digest
    locked.sent_at = now
    locked.expires_at = now + invitation_lifetime()
    locked.send_count += 1
    locked.save(update_fields=["token_hash", "sent_at", "expires_at", "send_count", "updated_at"])
    account_event_record(
        account=account,
        kind=AccountEvent.Kind.INVITATION_RESENT,
        actor=actor,
        target=locked.email,
        detail={"expires_at": locked.expires_at.isoformat()},
    )
    _send(locked, raw, link_for)
    return locked


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Revoke an open invitation: its link stops working at once. Idempotent for a
    revoked one; ``invitation_gone`` for an accepted one."""
    account = account_admin_for(actor=actor, account_id=invitation.account_id)
    now = timezone.now()
    revoked = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    invitation.refresh_from_db()
    if revoked:
        account_event_record(
            account=account,
            kind=AccountEvent.Kind.INVITATION_REVOKED,
            actor=actor,
            target=invitation.email,
        )
    elif invitation.accepted_at is not None:
        raise _gone(invitation)
    return invitation


def invitation_get_by_token(*, raw_token: str) -> Invitation:
    """The invitation whose link carries ``raw_token``, whatever its status (the page
    says whether it can still be accepted); ``NotFound`` for an unknown token."""
    invitation = (
        Invitation.objects.select_related("account", "role")
        .filter(token_hash=keyed_digest(raw_token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> Membership:
    """``user`` accepts the invitation: they become a member with its role, groups and
    rights, and the account records it. The address must be the invitation's
    (``invitation_for_another_email`` otherwise); ``invitation_gone`` when it expired,
    was revoked or accepted. A user already a member keeps their place (the invitation
    is spent)."""
    found = invitation_get_by_token(raw_token=raw_token)
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("account", "role")
        .get(pk=found.pk)
    )
    if invitation.status != Invitation.Status.PENDING:
        raise _gone(invitation)
    if user.email.lower() != invitation.email.lower():
        raise Conflict(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}. "
            "Sign out and sign in (or sign up) with the invited address.",
            code=AccountError.INVITATION_FOR_ANOTHER_EMAIL,
        )
    now = timezone.now()
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    membership = Membership.objects.filter(user=user, account=invitation.account).first()
    if membership is None:
        membership = membership_create(
            user=user,
            account=invitation.account,
            actor=actor_for_user(user=user),
            role=invitation.role,
            groups=invitation.groups.all(),
            is_admin=invitation.is_admin,
            is_developer=invitation.is_developer,
        )
    account_event_record(
        account=invitation.account,
        kind=AccountEvent.Kind.INVITATION_ACCEPTED,
        actor=actor_for_user(user=user, membership=membership),
        target=user.email,
        detail={"role": invitation.role.name if invitation.role else None},
    )
    return membership


@transaction.atomic
def invitation_accept_by_signup(
    *, raw_token: str, full_name: str, password: str
) -> tuple[User, Membership]:
    """Sign up with the invited address and accept the invitation in one step.

    Raises ``ValidationFailed`` naming ``password`` (Django's password validators) or
    ``full_name``; ``Conflict`` when a user with that address exists (sign in instead),
    and as ``invitation_accept``. Nothing is written when it raises."""
    invitation = invitation_get_by_token(raw_token=raw_token)
    if invitation.status != Invitation.Status.PENDING:
        raise _gone(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise Conflict(
            f"An account with {invitation.email} exists already: sign in to accept.",
            code=AccountError.ALREADY_MEMBER,
        )
    full_name = (full_name or "").strip()
    if len(full_name) > 150:
        raise ValidationFailed(
            "The name is too long.", fields={"full_name": ["Use at most 150 characters."]}
        )
    user = User(email=invitation.email, full_name=full_name)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            "Choose another password.", fields={"password": list(exc.messages)}
        ) from exc
    user.set_password(password)
    user.save()
    return user, invitation_accept(raw_token=raw_token, user=user)
