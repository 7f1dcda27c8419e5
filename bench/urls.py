"""The product's URLs plus the bare view the benchmarks compare an app's request with.

Used only by the benchmarks (``bench/settings.py``, or ``ROOT_URLCONF`` set in process):
production serves ``marketplace.urls``, which has no such route.
"""

import hashlib
from typing import Any

from django.db import connection
from django.urls import path
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.pagination import CursorPagination
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


class BareRecordsApi(GenericAPIView):
    """The App API's work on module records with no authentication, permission, throttle,
    filter backend or idempotency: the same queries for ``?account_id=``'s records
    (``bench/module_api.py``). ``GET``: a cursor page of ``crm.account`` filtered by
    ``kind``; ``POST``: a ``task.task`` validated by its serializer and made by
    ``record_create_written`` (the record and its change event), answered with the body
    the event carries, as the API does."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []
    pagination_class = CursorPagination
    ordering = ("-id",)

    def get(self, request: Request) -> Response:
        from apps.modules.registry import registration_for

        registration = registration_for("crm.account")
        assert registration is not None
        account_id = int(request.GET["account_id"])
        rows = registration.model.objects.filter(account_id=account_id)
        if "kind" in request.GET:
            rows = rows.filter(kind=request.GET["kind"])
        page = self.paginate_queryset(rows)
        context = {"account_id": account_id, "request": request}
        data = registration.serializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def post(self, request: Request) -> Response:
        from apps.accounts.actors import actor_system
        from apps.modules.registry import registration_for
        from apps.modules.services import record_create_written

        registration = registration_for("task.task")
        assert registration is not None
        account_id = int(request.GET["account_id"])
        context = {"account_id": account_id, "request": request}
        serializer = registration.serializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        record, body = record_create_written(
            model=registration.model,
            account_id=account_id,
            values=serializer.validated_data,
            actor=actor_system(label="bench"),
        )
        return Response(body, status=201, headers={"ETag": f'"{record.revision}"'})


urlpatterns = [
    path("bench/bare", BareApi.as_view(), name="bench-bare"),
    path("bench/bare-lookup", BareLookupApi.as_view(), name="bench-bare-lookup"),
    path("bench/records", BareRecordsApi.as_view(), name="bench-records"),
    *product_urlpatterns,
]
