"""Writes for tenancy: accounts, members, invitations, roles, groups and API keys."""

from apps.accounts.services.common import (
    API_KEY_TOUCH_INTERVAL,
    account_create,
    actor_require_admin,
    actor_require_developer,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
    api_key_revoke_many,
    membership_create,
)
from apps.accounts.services.history import account_event_record
from apps.accounts.services.invitations import (
    invitation_accept,
    invitation_accept_by_signup,
    invitation_create,
    invitation_get_by_token,
    invitation_lifetime,
    invitation_resend,
    invitation_revoke,
)
from apps.accounts.services.members import (
    UNSET,
    account_admin_for,
    member_describe,
    membership_remove,
    membership_set_active,
    membership_update,
)
from apps.accounts.services.preferences import user_language_set
from apps.accounts.services.roles import (
    group_create,
    group_delete,
    group_rename,
    group_uses,
    role_create,
    role_delete,
    role_update,
    role_uses,
)

__all__ = [
    "API_KEY_TOUCH_INTERVAL",
    "UNSET",
    "account_admin_for",
    "account_create",
    "account_event_record",
    "actor_require_admin",
    "actor_require_developer",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "api_key_revoke_many",
    "group_create",
    "group_delete",
    "group_rename",
    "group_uses",
    "invitation_accept",
    "invitation_accept_by_signup",
    "invitation_create",
    "invitation_get_by_token",
    "invitation_lifetime",
    "invitation_resend",
    "invitation_revoke",
    "member_describe",
    "membership_create",
    "membership_remove",
    "membership_set_active",
    "membership_update",
    "role_create",
    "role_delete",
    "role_update",
    "role_uses",
    "user_language_set",
]
