"""The scope catalog as data: what a manifest may declare, for developers and tools."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.scopes.selectors import scope_catalog_describe


class ScopeCatalogApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The scope catalog: scopes, webhook events and embedding locations",
        description=(
            "Everything a manifest may declare. A scope covers the models listed; "
            "`current_user_only` scopes reach only the authorizing user's own record. A "
            "webhook event needs read access to its model; app events (`app.installed`, "
            "`app.updated`, `app.uninstalled`) need no scope."
        ),
        responses={200: OpenApiTypes.OBJECT},
        tags=["manifests"],
    )
    def get(self, request: Request) -> Response:
        return Response(scope_catalog_describe())
