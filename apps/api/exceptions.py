"""One error body for every API error: ``{"error": {"code", "message", "fields"}}``."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from apps.core.api import error_body
from apps.core.errors import ApplicationError, ErrorCode

logger = logging.getLogger(__name__)

_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: ErrorCode.INVALID,
    exceptions.ParseError: ErrorCode.PARSE_ERROR,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.THROTTLED,
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.b.0.c": ["message", ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" else str(key)
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)

    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = getattr(exc, "api_code", None) or next(
            (c for cls, c in _CODES.items() if isinstance(exc, cls)), None
        )
        if isinstance(exc, exceptions.ValidationError):
            fields = _flatten(exc.detail)
            message = "Some fields are not valid: " + ", ".join(sorted(fields)) + "."
            body = error_body(code or ErrorCode.INVALID, message, fields)
        else:
            detail = exc.detail
            message = (
                str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
            )
            body = error_body(code or str(exc.default_code), message)
        set_rollback()
        return Response(body, status=exc.status_code, headers=headers)

    logger.exception("Unhandled error in API view", exc_info=exc)
    set_rollback()
    return Response(
        error_body(
            ErrorCode.SERVER_ERROR,
            "Something went wrong on our side. Try again; if it keeps failing, contact "
            "support with the time of the request.",
        ),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(ErrorCode.NOT_FOUND, f"No API endpoint at {request.path}. See /api/docs/."),
        status=404,
    )


def api_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        error_body(
            ErrorCode.SERVER_ERROR,
            "Something went wrong on our side. Try again; if it keeps failing, contact "
            "support with the time of the request.",
        ),
        status=500,
    )
