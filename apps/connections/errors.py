"""The connections' error codes."""

from enum import StrEnum


class ConnectionsError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) of connection services."""

    NO_CONNECTION = "no_connection"
    CLIENT_MISSING = "client_missing"
    PARAMETERS_MISSING = "parameters_missing"
    OUTSIDE_REFUSED = "outside_refused"
    NOT_CONNECTED = "not_connected"
    CLIENT_CREDENTIALS_REQUIRED = "client_credentials_required"
    REFRESH_FAILED = "refresh_failed"
    LINK_EXPIRED = "link_expired"
    LINK_USED = "link_used"
