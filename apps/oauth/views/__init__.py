"""The authorization server's endpoints, one module each.

``authorize`` is the one consent screen every install and authorization ends in;
``install_start`` is where an install started on the marketplace goes first. Token and
revocation are DOT's (``token``); the introspection endpoint (``introspect``) answers only
about the calling client's own tokens. Token, revocation and introspection limit failed
client authentication (``apps.oauth.throttling``).
"""

from apps.oauth.views.authorize import (
    ACCOUNT_PARAM,
    LINK_PARAM,
    OAUTHLIB_DESCRIPTION,
    REFUSAL_STATUS,
    VERSION_PARAM,
    WAY_BACK_DESCRIPTION,
    AuthorizeView,
    callback_with_error,
    consent_stamp,
    way_back,
)
from apps.oauth.views.install_start import InstallStartView
from apps.oauth.views.introspect import IntrospectView
from apps.oauth.views.token import GRANT_TYPES, RevokeTokenView, TokenView

__all__ = [
    "ACCOUNT_PARAM",
    "GRANT_TYPES",
    "LINK_PARAM",
    "OAUTHLIB_DESCRIPTION",
    "REFUSAL_STATUS",
    "VERSION_PARAM",
    "WAY_BACK_DESCRIPTION",
    "AuthorizeView",
    "InstallStartView",
    "IntrospectView",
    "RevokeTokenView",
    "TokenView",
    "callback_with_error",
    "consent_stamp",
    "way_back",
]
