from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootOutput(serializers.Serializer):
    version = serializers.CharField()
    schema = serializers.URLField()
    docs = serializers.URLField()
    authentication = serializers.ListField(child=serializers.CharField())


class ApiRootApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="API entry point", responses=ApiRootOutput, tags=["meta"])
    def get(self, request: Request) -> Response:
        return Response(
            {
                "version": "v1",
                "schema": reverse("api-schema", request=request),
                "docs": reverse("api-docs", request=request),
                "authentication": [
                    "Authorization: Bearer mpk_... (account API key)",
                    "console session cookie with X-CSRFToken on writes",
                ],
            }
        )
