"""OAuth endpoints, under DOT's namespace so its metadata view finds them.

Only these: no application registration pages (``oauth2_provider.urls`` would mount
``applications/register/`` for every signed-in user), no device flow.
"""

from django.urls import path
from oauth2_provider import views as dot

from apps.oauth.views import AuthorizeView, IntrospectView, TokenView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", AuthorizeView.as_view(), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectView.as_view(), name="introspect"),
]
