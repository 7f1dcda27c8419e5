"""The one error type of the domain, and its stable codes.

Services raise ``ApplicationError`` (or a subclass); the API exception handler and the
console turn it into ``{"error": {"code", "message", "fields"}}`` or a form error.
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PARSE_ERROR = "parse_error"
    CONFLICT = "conflict"
    THROTTLED = "throttled"
    SERVER_ERROR = "server_error"


class OutboundFailure(StrEnum):
    """Why a call to an outside server (``apps.core.outbound``) did not get an answer."""

    BLOCKED_ADDRESS = "blocked_address"
    UNRESOLVABLE = "unresolvable"
    CONNECT_FAILED = "connect_failed"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    INVALID_URL = "invalid_url"
    FAILED = "failed"


class ApplicationError(Exception):
    """A domain rule refused the operation. Nothing was written when this is raised."""

    status_code = 400
    default_code: str = ErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status_code = 400
    default_code = ErrorCode.INVALID


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = ErrorCode.PERMISSION_DENIED


class NotFound(ApplicationError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND


class Conflict(ApplicationError):
    """A concurrent change won: reload and try again."""

    status_code = 409
    default_code = ErrorCode.CONFLICT
