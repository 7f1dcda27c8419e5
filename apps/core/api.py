"""Small helpers every context's API views share."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.errors import ValidationFailed


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error body of the API: ``{"error": {"code", "message", "fields"}}``."""
    return {"error": {"code": str(code), "message": message, "fields": fields or {}}}


def paginated_response(
    *, request: Request, view: APIView, queryset: QuerySet[Any], serializer: type[BaseSerializer]
) -> Response:
    """One page of ``queryset`` with the project's pagination: count, next, previous,
    results."""
    paginator = api_settings.DEFAULT_PAGINATION_CLASS()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


# The largest id a row can have (a signed 64-bit integer): input ids above it are refused as
# invalid instead of reaching the database, which cannot compare with them.
ID_MAX = 2**63 - 1

PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1.", required=False),
    OpenApiParameter("page_size", int, description="Rows per page, at most 100.", required=False),
]


def page_of(serializer: type[BaseSerializer]) -> BaseSerializer:
    """For the schema: one page of ``serializer`` rows, as ``paginated_response`` answers.
    Every view that answers with ``paginated_response`` declares ``responses=page_of(...)``
    and ``parameters=PAGE_PARAMETERS``."""
    name = serializer.__name__.removesuffix("Output")
    return inline_serializer(
        name=f"{name}Page",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    """The query parameter ``name`` when it is one of ``choices``, ``""`` when absent.

    Any other value is refused with ``ValidationFailed`` naming the parameter and the
    values it takes.
    """
    value: str = request.query_params.get(name, "")
    if value and value not in choices:
        raise ValidationFailed(
            f"Unknown {name} {value!r}.", fields={name: [f"Choose one of: {', '.join(choices)}."]}
        )
    return value
