"""``/oauth/install/``: where an install started on the marketplace goes first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from apps.oauth.issuer import oauth_issuer
from apps.oauth.services import install_start_target
from apps.oauth.views.authorize import ACCOUNT_PARAM, LINK_PARAM, PROMPT_PARAM, VERSION_PARAM


@method_decorator(never_cache, name="dispatch")
class InstallStartView(LoginRequiredMixin, View):
    """An install started on the marketplace (catalog, install link, the developer's
    own account) of a version whose manifest declares ``install_start_url``: the browser
    goes on to the app, which starts its own authorization request with its ``state`` and
    PKCE. Otherwise (no start URL, or the link or version is gone) it goes to the consent
    screen, which starts the install itself or says why it cannot. ``prompt=consent``
    (Reauthorize) is passed on, for the app to pass on in its authorization request."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        params = request.GET
        client_id = params.get("client_id", "")
        account = params.get(ACCOUNT_PARAM, "").strip()
        version = params.get(VERSION_PARAM, "").strip()
        link = params.get(LINK_PARAM, "").strip()
        target = install_start_target(
            client_id=client_id,
            issuer=oauth_issuer(request),
            account_slug=account,
            version_number=version,
            install_link_token=link,
        )
        prompt = {PROMPT_PARAM: "consent"} if params.get(PROMPT_PARAM) == "consent" else {}
        if target is not None:
            response = redirect(target + ("&" + urlencode(prompt) if prompt else ""))
        else:
            query = {"client_id": client_id, "response_type": "code", ACCOUNT_PARAM: account}
            query.update({LINK_PARAM: link} if link else {VERSION_PARAM: version})
            query.update(prompt)
            response = redirect(reverse("oauth2_provider:authorize") + "?" + urlencode(query))
        # An install link's token is in the address: keep it out of Referer headers.
        response["Referrer-Policy"] = "no-referrer"
        return response
