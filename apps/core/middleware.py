"""Answers the health probes before host validation, HTTPS redirects and sessions.

Load balancers and container health checks call ``/healthz`` and ``/readyz`` by IP over
plain http; they must get the probe's answer, not a DisallowedHost 400 or a redirect.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
