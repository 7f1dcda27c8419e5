"""Whether an app request also proves the app's own client, for what only the app's
backend may read (secret setting values, the connection): the ``X-Client-Id`` and
``X-Client-Secret`` headers, checked against the client the access token was issued to.
One check, each endpoint answering a failure in its own words."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from rest_framework.request import Request

from apps.oauth.models import Application
from apps.oauth.policies import AppToken


def token_client_proven(request: Request, token: AppToken) -> bool | None:
    """``None`` when neither header is sent; ``True`` when they are the client id of the
    token's app and its secret; ``False`` otherwise (a wrong or missing one of the two,
    another app's client)."""
    client_id = request.headers.get("X-Client-Id", "")
    secret = request.headers.get("X-Client-Secret", "")
    if not client_id and not secret:
        return None
    if client_id != token.client_id or not secret:
        return False
    hashed = (
        Application.objects.filter(client_id=client_id)
        .values_list("client_secret", flat=True)
        .first()
    )
    return hashed is not None and check_password(secret, hashed)
