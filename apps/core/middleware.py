"""Middleware that runs before everything else.

- The health probes are answered before host validation, HTTPS redirects and sessions:
  load balancers and container health checks call ``/healthz`` and ``/readyz`` by IP over
  plain http; they must get the probe's answer, not a DisallowedHost 400 or a redirect.
- A NUL character in the address is refused before any view looks it up.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from apps.core.api import error_body
from apps.core.errors import ErrorCode
from apps.core.health import healthz, readyz

PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class NulCharacterMiddleware:
    """Refuses a request whose path or query string holds a NUL character.

    No URL of the platform has one, and PostgreSQL text columns cannot hold one, so a
    lookup with it would fail as a server error deep inside a view. It is answered 400
    here, as the API's error body under ``/api/`` and as plain text elsewhere.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            message = "The address contains a NUL character (%00); remove it and try again."
            if request.path.startswith("/api/"):
                return JsonResponse(error_body(ErrorCode.INVALID, message), status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
