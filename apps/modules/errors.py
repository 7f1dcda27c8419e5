"""Error codes of the module data endpoints, on top of ``apps.core.errors``."""

from enum import StrEnum

from apps.core.errors import ApplicationError


class ModuleError(StrEnum):
    # If-Match named a revision the record no longer has.
    PRECONDITION_FAILED = "precondition_failed"
    # The record is still referred to by others that may not lose it (e.g. a pipeline
    # with deals): delete or move those first.
    RECORD_IN_USE = "record_in_use"
    # The same Idempotency-Key was sent, by the same caller, with another request.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # Client credentials beside an access token that are not those of the token's app.
    INVALID_CLIENT = "invalid_client"


class RecordChanged(ApplicationError):
    """The record changed since the revision the caller holds (its ETag)."""

    status_code = 409
    default_code = ModuleError.PRECONDITION_FAILED


class RecordInUse(ApplicationError):
    status_code = 409
    default_code = ModuleError.RECORD_IN_USE


class IdempotencyKeyReused(ApplicationError):
    status_code = 422
    default_code = ModuleError.IDEMPOTENCY_KEY_REUSED


class ClientNotAuthenticated(ApplicationError):
    """Client credentials sent beside an access token that are not the token's app's."""

    status_code = 401
    default_code = ModuleError.INVALID_CLIENT
