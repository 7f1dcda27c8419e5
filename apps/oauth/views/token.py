"""The token and revocation endpoints: DOT's, for the two grants apps use, under the
failed-client-authentication limits (``apps.oauth.throttling``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider import views as dot
from oauth2_provider.signals import app_authorized

from apps.oauth.errors import OAuthProtocolError
from apps.oauth.issuing import issued_access_tokens
from apps.oauth.throttling import with_client_auth_throttle

GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(dot.TokenView):
    """DOT's token endpoint for the two grants apps use: the authorization code and the
    refresh token. Any other grant type (client credentials, device code, password) is
    refused before it reaches oauthlib."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        grant_type = request.POST.get("grant_type", "")
        if grant_type not in GRANT_TYPES:
            response = JsonResponse(
                {
                    "error": OAuthProtocolError.UNSUPPORTED_GRANT_TYPE,
                    "error_description": (
                        "Use grant_type=authorization_code or grant_type=refresh_token."
                    ),
                },
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        return with_client_auth_throttle(request, lambda: self._token_response(request))

    @method_decorator(sensitive_post_parameters("password", "client_secret"))
    def _token_response(self, request: HttpRequest) -> HttpResponse:
        """DOT's response, announcing the new token (``app_authorized``) with the row just
        written rather than reading it back by its checksum."""
        with issued_access_tokens() as issued:
            _url, headers, body, status = self.create_token_response(request)
        if status == 200 and issued:
            app_authorized.send(sender=self, request=request, token=issued[-1])
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(dot.RevokeTokenView):
    """DOT's revocation endpoint (RFC 7009), the calling client's own tokens only, under
    the failed-client-authentication limits."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return with_client_auth_throttle(
            request, lambda: super(RevokeTokenView, self).post(request, *args, **kwargs)
        )
