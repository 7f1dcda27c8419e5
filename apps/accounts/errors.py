"""The accounts' error codes: members, invitations, roles and groups."""

from enum import StrEnum

from apps.core.errors import ApplicationError, Conflict


class AccountError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) of the accounts services."""

    LAST_ADMIN = "last_admin"
    ALREADY_MEMBER = "already_member"
    ALREADY_INVITED = "already_invited"
    INVITATION_GONE = "invitation_gone"
    INVITATION_FOR_ANOTHER_EMAIL = "invitation_for_another_email"
    ROLE_IN_USE = "role_in_use"
    GROUP_IN_USE = "group_in_use"


class LastAdmin(ApplicationError):
    """The change would leave the account without an active admin."""

    status_code = 409
    default_code = AccountError.LAST_ADMIN


class InUse(Conflict):
    """A role or group cannot be deleted while something uses it; ``extra["uses"]``
    lists what."""
