"""The product's URLs plus the bare view the benchmarks compare an app's request with.

Used only by the benchmarks (``bench/settings.py``, or ``ROOT_URLCONF`` set in process):
production serves ``marketplace.urls``, which has no such route.
"""

from typing import Any

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


urlpatterns = [
    path("bench/bare", BareApi.as_view(), name="bench-bare"),
    *product_urlpatterns,
]
