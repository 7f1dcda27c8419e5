"""Writes for tenancy: accounts, memberships and API keys; the admin checks."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from apps.accounts.actors import Actor
from apps.accounts.errors import AccountError
from apps.accounts.member_changes import MemberChange, members_changed
from apps.accounts.models import Account, ApiKey, Group, Language, Membership, Role, User
from apps.accounts.policies import account_can_develop, actor_admin_refusal
from apps.core.crypto import keyed_digest
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

# last_used_at is written at most this often per key, so a busy key costs no write per call.
API_KEY_TOUCH_INTERVAL = timedelta(seconds=60)


def account_create(*, slug: str, name: str, language: str = Language.EN) -> Account:
    """Create a tenant account. Raises ``ValidationFailed`` naming the field at fault."""
    account = Account(slug=slug.strip().lower(), name=name.strip(), language=language)
    return _insert_unique(account, field="slug", taken="This domain is taken.")


@transaction.atomic
def membership_create(
    *,
    user: User,
    account: Account,
    actor: Actor,
    role: Role | None = None,
    groups: Iterable[Group] = (),
    is_admin: bool = False,
    is_developer: bool = False,
) -> Membership:
    """Add a user to an account, as ``actor`` (for an accepted invitation: the user).
    Role and groups must belong to the same account (``ValidationFailed`` naming
    ``role`` or ``groups``); ``Conflict`` (``already_member``) when the user is one.
    The new member is reported to ``apps.accounts.member_changes`` in the same
    transaction."""
    groups = list(groups)
    if role is not None and role.account_id != account.pk:
        raise ValidationFailed(
            "The role belongs to another account.",
            fields={"role": ["Choose a role of this account."]},
        )
    if any(group.account_id != account.pk for group in groups):
        raise ValidationFailed(
            "A group belongs to another account.",
            fields={"groups": ["Choose groups of this account."]},
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                account=account,
                role=role,
                is_admin=is_admin,
                is_developer=is_developer,
            )
    except IntegrityError as exc:
        raise Conflict(
            f"{user.email} is already a member of {account.slug}.", code=AccountError.ALREADY_MEMBER
        ) from exc
    membership.groups.set(groups)
    members_changed(
        memberships=[membership],
        change=MemberChange.ADDED,
        actor=actor,
        changed=["role", "groups", "is_admin", "is_developer"],
    )
    return membership


def api_key_create(*, account: Account, name: str, created_by: User | None) -> tuple[ApiKey, str]:
    """Create an API key for ``account`` and return it with the raw key.

    The raw key is returned once and never stored: only its ``key_id`` and a keyed hash
    are. Raises ``ValidationFailed`` when the name is blank or too long.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the key a name.", fields={"name": ["This field is required."]})
    if len(name) > 100:
        raise ValidationFailed(
            "The name is too long.", fields={"name": ["Use at most 100 characters."]}
        )
    key_id = secrets.token_hex(6)
    raw = f"{ApiKey.PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        account=account,
        name=name,
        key_id=key_id,
        key_hash=keyed_digest(raw),
        created_by=created_by,
    )
    return key, raw


def api_key_revoke(*, key: ApiKey, revoked_by: User | None) -> ApiKey:
    """Revoke a key; it is refused from the next request on. Idempotent."""
    api_key_revoke_many(account=key.account, key_ids=[key.pk], revoked_by=revoked_by)
    key.refresh_from_db()
    return key


def api_key_revoke_many(
    *, account: Account, key_ids: Iterable[int], revoked_by: User | None
) -> int:
    """Revoke the active keys among ``key_ids`` that belong to ``account``, in one
    conditional update (safe when two admins revoke at once). Returns how many this call
    revoked; keys of other accounts and keys already revoked are left as they are."""
    return ApiKey.objects.filter(
        account=account, pk__in=list(key_ids), revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), revoked_by=revoked_by)


def api_key_authenticate(*, raw_key: str) -> ApiKey:
    """The active key matching ``raw_key``, with its account loaded.

    Raises ``NotFound`` for a malformed, unknown or revoked key, or one whose account is
    inactive. Records the last use at most once a minute.
    """
    if not raw_key.startswith(ApiKey.PREFIX):
        raise NotFound("Not an API key.")
    key_id, _, secret = raw_key[len(ApiKey.PREFIX) :].partition("_")
    if not key_id or not secret:
        raise NotFound("Malformed API key.")
    key = (
        ApiKey.objects.select_related("account")
        .filter(key_id=key_id, revoked_at__isnull=True, account__is_active=True)
        .first()
    )
    if key is None or not constant_time_compare(key.key_hash, keyed_digest(raw_key)):
        raise NotFound("Unknown or revoked API key.")
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def actor_require_admin(*, actor: Actor, api_keys: bool = False) -> Account:
    """The account ``actor`` administers; ``NotFound`` when it acts in no account,
    ``PermissionDenied`` when it is not an admin there (an API key is one only when
    ``api_keys``)."""
    if actor.account is None:
        raise NotFound("No current account.")
    refusal = actor_admin_refusal(actor, api_keys=api_keys)
    if refusal is not None:
        raise PermissionDenied(refusal)
    return actor.account


def actor_require_developer(*, actor: Actor, api_keys: bool = False) -> Account:
    """The account whose apps ``actor`` builds; ``NotFound`` when it acts in no account,
    ``PermissionDenied`` without the developer right (an API key has it only when
    ``api_keys``)."""
    if actor.account is None:
        raise NotFound("No current account.")
    if not account_can_develop(actor, api_keys=api_keys):
        raise PermissionDenied(
            "Only members with the developer right can do this; an admin of this account "
            "can give it to you on the Members page."
        )
    return actor.account


_Model = TypeVar("_Model", bound=models.Model)


def _insert_unique(instance: _Model, *, field: str, taken: str) -> _Model:
    """Validate and insert ``instance``; the unique constraint on ``field`` decides races,
    and a clash becomes a ``ValidationFailed`` naming ``field``. Foreign keys set by the
    service are not re-validated."""
    exclude = [f.name for f in instance._meta.fields if f.is_relation]
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        fields = {name: [str(m) for m in msgs] for name, msgs in exc.message_dict.items()}
        raise ValidationFailed("Some fields are not valid.", fields=fields) from exc
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationFailed(taken, fields={field: [taken]}) from exc
    return instance
