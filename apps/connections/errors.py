"""The connections' error codes."""

from enum import StrEnum


class ConnectionsError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) of connection services."""

    NO_CONNECTION = "no_connection"
