"""The product's URLs plus the bare view the benchmarks compare an app's request with.

Used only by the benchmarks (``bench/settings.py``, or ``ROOT_URLCONF`` set in process):
production serves ``marketplace.urls``, which has no such route.
"""

import hashlib
from typing import Any

from django.db import connection
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.urls import urlpatterns as product_urlpatterns

# The body of GET /api/v1/users/me for the benchmarks' member (same keys, same sizes).
PAYLOAD: dict[str, Any] = {
    "id": 2,
    "email": "member@bench.test",
    "full_name": "",
    "is_active": True,
    "is_admin": False,
    "role": "Staff",
    "language": "en",
}


class BareApi(APIView):
    """A DRF view with no authentication, permission or throttle, answering the
    /users/me payload: what the app's request would cost without its check."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response(PAYLOAD)


# One indexed lookup of the token row, as a plain parameterised statement.
PLAIN_LOOKUP = 'SELECT * FROM "oauth_accesstoken" WHERE "token_checksum" = %s'


class BareLookupApi(BareApi):
    """The bare view plus the one lookup an app's request cannot avoid: the token row by
    the checksum of the bearer token, nothing checked."""

    def get(self, request: Request) -> Response:
        raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")[2]
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_LOOKUP, [hashlib.sha256(raw.encode()).hexdigest()])
            assert cursor.fetchone() is not None
        return Response(PAYLOAD)


urlpatterns = [
    path("bench/bare", BareApi.as_view(), name="bench-bare"),
    path("bench/bare-lookup", BareLookupApi.as_view(), name="bench-bare-lookup"),
    *product_urlpatterns,
]
