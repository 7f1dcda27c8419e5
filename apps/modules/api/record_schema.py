"""The OpenAPI description of a registration's endpoints, with examples, made from the
registration itself so a newly registered model is documented without writing it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)

from apps.api.schema import ErrorOutput
from apps.modules.registry import Registration

_ACCESS = (
    "With an app token: the token's scopes and the installation's grant must cover "
    "`{model}` at `{level}` (`{scopes}`), and the token's user needs the `{level}` right "
    "on the `{module}` module. An account API key reaches every module of its account."
)


def _access(registration: Registration, level: str) -> str:
    from apps.scopes.policies import scopes_needed_for

    scopes = ", ".join(scopes_needed_for(model=registration.code, level=level))
    return _ACCESS.format(
        model=registration.code, level=level, scopes=scopes, module=registration.module
    )


def _examples(registration: Registration, *, request: bool) -> list[OpenApiExample]:
    if not registration.example:
        return []
    value: dict[str, Any] = dict(registration.example)
    if not request:
        value = {
            "id": 42,
            "owner": 7,
            **value,
            "created_at": "2026-03-01T10:00:00Z",
            "updated_at": "2026-03-01T10:00:00Z",
        }
    return [
        OpenApiExample(
            f"{registration.code}", value=value, request_only=request, response_only=not request
        )
    ]


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The record's ETag from its last read: the change applies only if nobody "
    "changed the record since (409 `precondition_failed` otherwise).",
)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retry with the same key within 24 hours "
    "answers the first result again (`Idempotent-Replayed: true`) instead of creating a "
    "duplicate; the same key with another body is 422 `idempotency_key_reused`.",
)


def document(registration: Registration, list_view: type, detail_view: type) -> None:
    """Attach the schema of the list and detail operations to the generated views."""
    code, label = registration.code, registration.label
    tags = [f"App API: {registration.module}"]
    serializer = registration.serializer
    examples_in = _examples(registration, request=True) + _examples(registration, request=False)
    extend_schema_view(
        get=extend_schema(
            operation_id=f"{registration.url_name}_list",
            tags=tags,
            summary=f"List {code} records",
            description=f"The account's {label} records, newest first unless `ordering` "
            f"says otherwise, a page at a time (`cursor`). {_access(registration, 'read')}",
        ),
        post=extend_schema(
            operation_id=f"{registration.url_name}_create",
            tags=tags,
            summary=f"Create a {code} record",
            description=f"{_access(registration, 'full')}",
            request=serializer,
            parameters=[IDEMPOTENCY_KEY],
            responses={201: serializer, 422: ErrorOutput},
            examples=examples_in,
        ),
    )(list_view)
    extend_schema_view(
        get=extend_schema(
            operation_id=f"{registration.url_name}_retrieve",
            tags=tags,
            summary=f"One {code} record",
            description=f"Answers the record's `ETag`. {_access(registration, 'read')}",
            examples=_examples(registration, request=False),
        ),
        patch=extend_schema(
            operation_id=f"{registration.url_name}_update",
            tags=tags,
            summary=f"Change a {code} record",
            description=f"Only the fields sent change. {_access(registration, 'full')}",
            parameters=[IF_MATCH],
            examples=examples_in,
        ),
        delete=extend_schema(
            operation_id=f"{registration.url_name}_delete",
            tags=tags,
            summary=f"Delete a {code} record",
            description=f"{_access(registration, 'full')}",
            responses={204: None},
        ),
    )(detail_view)
