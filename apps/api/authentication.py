"""API authentication: account API keys (automation) and the console session."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.accounts.models import ApiKey
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.services import api_key_authenticate
from apps.core.errors import NotFound


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer mpk_...`` (or ``Api-Key mpk_...``).

    Bearer values that are not API keys are left to other authenticators (OAuth tokens).
    """

    keywords = ("bearer", "api-key")

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, value = header.partition(" ")
        if keyword.lower() not in self.keywords or not value.strip().startswith(ApiKey.PREFIX):
            return None
        try:
            key = api_key_authenticate(raw_key=value.strip())
        except NotFound as exc:
            raise exceptions.AuthenticationFailed(
                "The API key is unknown or revoked. Create a new key in the console under "
                "Account admin > API keys."
            ) from exc
        return ApiKeyPrincipal(api_key=key), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The console's session, with CSRF enforced on unsafe methods."""

    def authenticate(self, request: Request) -> tuple[object, None] | None:
        result = super().authenticate(request)
        if result is None or isinstance(result[0], AnonymousUser):
            return None
        return result
