"""The one domain error type: status, stable code, message and per-field errors."""

import pytest

from apps.core.errors import (
    ApplicationError,
    Conflict,
    ErrorCode,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)


@pytest.mark.parametrize(
    "error_class, status, code",
    [
        (ApplicationError, 400, "invalid"),
        (ValidationFailed, 400, "invalid"),
        (PermissionDenied, 403, "permission_denied"),
        (NotFound, 404, "not_found"),
        (Conflict, 409, "conflict"),
    ],
)
def test_defaults(error_class, status, code):
    error = error_class("It went wrong.")

    assert (error.status_code, error.code, error.message) == (status, code, "It went wrong.")
    assert (error.fields, error.extra) == ({}, {})
    assert str(error) == "It went wrong."
    assert isinstance(error, ApplicationError)


def test_code_fields_and_extra_are_kept():
    error = ValidationFailed(
        "Bad.", code="manifest_invalid", fields={"name": ["Required."]}, extra={"hint": 1}
    )

    assert error.code == "manifest_invalid"
    assert error.fields == {"name": ["Required."]}
    assert error.extra == {"hint": 1}


def test_codes_are_plain_strings():
    assert ErrorCode.NOT_AUTHENTICATED == "not_authenticated"
    assert str(ErrorCode.SERVER_ERROR) == "server_error"
