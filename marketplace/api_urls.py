"""The REST API's URLs under ``/api/v1/``: the entry point and every context's API.

Here, in the composition root, rather than in ``apps.api``: ``apps.api`` holds what the
contexts' API views build on (authentication, the app-token permission, ``AppApi``) and
sits below the contexts that use it (``apps.modules``), so it cannot include them.
"""

from django.urls import include, path

from apps.api.views import ApiRootApi
from apps.modules.api.urls import urlpatterns as app_api_urlpatterns

app_name = "api"

urlpatterns = [
    # First, and in this list rather than an include of their own: the routes apps call on
    # every request, resolved before all the others and one level less deep.
    *app_api_urlpatterns,
    path("", ApiRootApi.as_view(), name="root"),
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.jobs.api.urls")),
    path("", include("apps.scopes.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.moderation.api.urls")),
    path("", include("apps.installations.api.urls")),
    path("", include("apps.connections.api.urls")),
    path("", include("apps.webhooks.api.urls")),
]
