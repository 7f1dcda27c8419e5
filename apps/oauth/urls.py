"""OAuth endpoints, under DOT's namespace so its metadata view finds them.

Only these: no application registration pages (``oauth2_provider.urls`` would mount
``applications/register/`` for every signed-in user), no device flow.
"""

from django.urls import path

from apps.oauth.views import (
    AuthorizeView,
    InstallStartView,
    IntrospectView,
    RevokeTokenView,
    TokenView,
)

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", AuthorizeView.as_view(), name="authorize"),
    path("install/", InstallStartView.as_view(), name="install-start"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectView.as_view(), name="introspect"),
]
