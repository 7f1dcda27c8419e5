"""The introspection endpoint (RFC 7662), for the calling client's own tokens only, under
the failed-client-authentication limits (``apps.oauth.throttling``)."""

from __future__ import annotations

import calendar
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest

from apps.oauth.errors import OAuthProtocolError
from apps.oauth.issuer import oauth_issuer
from apps.oauth.policies import token_refusal
from apps.oauth.selectors import access_token_get_by_checksum, token_checksum
from apps.oauth.throttling import with_client_auth_throttle


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(OAuthLibMixin, View):
    """RFC 7662 for the calling client's own access tokens only.

    The client authenticates with its credentials (HTTP Basic or form). Any token of
    another client, or none, is reported ``{"active": false}``.
    """

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return with_client_auth_throttle(request, lambda: self._introspect(request))

    def _introspect(self, request: HttpRequest) -> HttpResponse:
        client_id = self._authenticated_client_id(request)
        if not client_id:
            response = JsonResponse(
                {
                    "error": OAuthProtocolError.INVALID_CLIENT,
                    "error_description": "Authenticate as the app.",
                },
                status=401,
            )
            response["WWW-Authenticate"] = 'Basic realm="oauth"'
            return response
        value = request.POST.get("token", "")
        if not value:
            return JsonResponse(
                {
                    "error": OAuthProtocolError.INVALID_REQUEST,
                    "error_description": "Send the token to check.",
                },
                status=400,
            )
        token = access_token_get_by_checksum(checksum=token_checksum(value))
        # Active exactly when the API would accept it: the same rule as a resource request
        # (expiry, app, installation, account, user, membership and access), not fewer.
        if (
            token is None
            or token.client_id != client_id
            or token_refusal(token, now=timezone.now()) is not None
        ):
            return JsonResponse({"active": False})
        installation = token.installation
        assert installation is not None  # token_refusal refuses a token without one
        return JsonResponse(
            {
                "active": True,
                "scope": token.scope,
                "client_id": client_id,
                "username": token.user.email,
                "token_type": "Bearer",
                "exp": int(calendar.timegm(token.expires.timetuple())),
                "iss": oauth_issuer(request),
                "account": installation.account.slug,
            }
        )

    def _authenticated_client_id(self, request: HttpRequest) -> str:
        """The client_id of the client whose credentials were verified, or "".

        Taken from the client the validator authenticated, never re-read from the request:
        a failing Basic header naming another app followed by the caller's own credentials
        in the body authenticates the caller, not the app the header names.
        """
        core = self.get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauth_request = OauthlibRequest(uri, http_method, body, headers)
        if not core.server.request_validator.authenticate_client(oauth_request):
            return ""
        client = getattr(oauth_request, "client", None)
        return str(client.client_id) if client is not None else ""
