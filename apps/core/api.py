"""Small helpers every context's API views share."""

from typing import Any

from django.db.models import QuerySet
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
