"""The OAuth context's error codes, and the exception an app's refused token raises.

Three kinds of code live here, each answered in its own shape:

- ``OAuthError``: the API error body (``{"error": {"code": ...}}``) of a request made with
  an app's access token.
- ``OAuthProtocolError``: the ``error`` of OAuth responses (RFC 6749 §4.1.2.1 and §5.2)
  that the marketplace builds itself; the others come from oauthlib's error classes and
  carry oauthlib's names.
- ``RefusalKind``: why the authorize step stops before consent; the page, its status and
  the way back to the app depend on it.
"""

from enum import StrEnum

from rest_framework import exceptions


class OAuthError(StrEnum):
    INVALID_TOKEN = "invalid_token"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INSUFFICIENT_RIGHTS = "insufficient_rights"


class OAuthProtocolError(StrEnum):
    INVALID_CLIENT = "invalid_client"
    INVALID_REQUEST = "invalid_request"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    # RFC 8707 §2: a token request's resource beyond what the code or refresh token grants.
    INVALID_TARGET = "invalid_target"
    # RFC 6749 names it ``access_denied``; the marketplace sends the name Pipedrive gives it.
    USER_DENIED = "user_denied"


class RefusalKind(StrEnum):
    UNKNOWN_CLIENT = "unknown_client"
    APP_UNAVAILABLE = "app_unavailable"
    NO_ACCOUNT = "no_account"
    PICK_ACCOUNT = "pick_account"
    NOT_MEMBER = "not_member"
    # Not installed (or not on this version) and the user is not an admin.
    ASK_ADMIN = "ask_admin"
    # Installed, but not for this user's role or groups.
    NO_ACCESS = "no_access"
    CANNOT_INSTALL = "cannot_install"
    LINK = "link"


class InvalidToken(exceptions.AuthenticationFailed):
    """An app's access token that is unknown, or no longer stands (401 ``invalid_token``)."""

    default_code = OAuthError.INVALID_TOKEN
    api_code = OAuthError.INVALID_TOKEN
