"""One log line per refused request.

Django logs a 4xx response on ``django.request`` (a PermissionDenied or a Http404 with its
whole traceback), runserver logs it again on ``django.server``, and a CSRF refusal a third
time on ``django.security.csrf``. ``RefusedRequestLogMiddleware`` writes the one line
instead, at INFO, with the error code the caller was given; ``DropRefusals`` keeps Django's
own lines for 4xx responses out of the handlers. Server errors (5xx) keep their
tracebacks: those are the real errors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.views.csrf import csrf_failure as django_csrf_failure

from apps.core.errors import ErrorCode

logger = logging.getLogger("apps.requests")

# The code a refusal without a body of ours is logged with.
_STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    409: ErrorCode.CONFLICT,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.THROTTLED,
}
_BODY_LIMIT = 64 * 1024


class DropRefusals(logging.Filter):
    """Drops Django's records of 4xx responses (they carry ``status_code``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return not (isinstance(status, int) and 400 <= status < 500)


def refusal_code(response: HttpResponse) -> str:
    """The error code a refused caller was given: ``error.code`` of the API's error body,
    ``error`` of an OAuth error (RFC 6749 §5.2), ``csrf_failed`` for a CSRF refusal,
    else a name for the status."""
    code = getattr(response, "refusal_code", None)
    if isinstance(code, str):
        return code
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json") and not response.streaming:
        content = response.content
        if len(content) <= _BODY_LIMIT:
            try:
                body = json.loads(content)
            except ValueError:
                body = None
            if isinstance(body, dict):
                error = body.get("error")
                if isinstance(error, dict) and isinstance(error.get("code"), str):
                    return str(error["code"])
                if isinstance(error, str):
                    return error
    by_status = _STATUS_CODES.get(response.status_code)
    if by_status is not None:
        return str(by_status)
    try:
        return HTTPStatus(response.status_code).phrase.lower().replace(" ", "_")
    except ValueError:
        return "refused"


class RefusedRequestLogMiddleware:
    """Logs each 4xx response once, at INFO: status, error code, method and path (never
    the query string, which may carry an authorization code or a token), and who asked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if 400 <= response.status_code < 500:
            user = getattr(request, "user", None)
            who = f"user {user.pk}" if user is not None and user.is_authenticated else "anonymous"
            reason = getattr(response, "refusal_reason", "")
            logger.info(
                "%s %s %s %s (%s)%s",
                response.status_code,
                refusal_code(response),
                request.method,
                request.path,
                who,
                f": {reason}" if reason else "",
            )
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF failure page, marked so that its one log line says why."""
    response = django_csrf_failure(request, reason=reason)
    response.refusal_code = "csrf_failed"  # type: ignore[attr-defined]
    response.refusal_reason = reason  # type: ignore[attr-defined]
    return response
