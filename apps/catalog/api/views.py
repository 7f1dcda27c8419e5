"""Manifest API: the JSON Schema, a dry-run validation and a diff of two manifests.

The body is read raw, not through DRF's parsers, so that size, nesting and duplicate keys
are checked before anything is parsed and YAML is accepted as well as JSON.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.manifests import (
    MAX_BYTES,
    ManifestCheck,
    ManifestError,
    Problem,
    format_for,
    manifest_schema,
    manifest_validate_text,
)
from apps.catalog.manifests.compare import MAX_PAIR_BYTES, manifest_compare_text
from apps.core.api import error_body
from apps.scopes.catalog import get_catalog

EXAMPLE_MANIFEST: dict[str, Any] = {
    "manifest_version": 1,
    "version": "1.0.0",
    "authorization": "account",
    "redirect_uris": ["https://invoicer.example.com/oauth/callback"],
    "scopes": [
        {"code": "crm.accounts", "level": "read", "reason": "Shows the customer on invoices."},
        {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
    ],
    "webhooks": [
        {
            "id": "invoice-paid",
            "event": "fin.invoices.updated",
            "url": "https://invoicer.example.com/hooks/invoices",
        }
    ],
    "embeddings": [
        {
            "id": "invoice-panel",
            "location": "fin.invoice.card",
            "code": "panel",
            "url": "https://invoicer.example.com/embed/invoice",
            "title": "Invoicer",
        }
    ],
    "settings": [
        {
            "key": "api_token",
            "level": "app",
            "type": "secret",
            "label": "Invoicer API token",
            "required": True,
        }
    ],
}


class RawBodyParser(BaseParser):
    """Accepts any media type and parses nothing: these views read the raw body.

    The CSRF check of a session request reads ``request.POST``, which parses the body
    with the view's parsers before the view runs. With DRF's JSON parser that answered
    YAML with 415, malformed JSON with a generic ``parse_error`` and deep nesting with
    a 500, instead of the manifest problems.
    """

    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return QueryDict()


def _raw_body(request: Request, *, limit: int) -> bytes | Problem:
    """The request body, or a ``too_large`` problem without reading more than needed."""
    too_large = Problem(
        path="$",
        code=ManifestError.TOO_LARGE,
        message=f"The body is larger than {limit:,} bytes; a manifest may be 256 KB at most.",
    )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return too_large
    try:
        body: bytes = request._request.body
    except RequestDataTooBig:
        return too_large
    return too_large if len(body) > limit else body


def _check_response(check: ManifestCheck) -> Response:
    body = check.as_dict()
    if check.valid:
        return Response(body)
    fields: dict[str, list[str]] = {}
    for problem in check.errors:
        fields.setdefault(problem.path, []).append(problem.message)
    count = len(check.errors)
    body.update(
        error_body(
            "invalid_manifest",
            f"The manifest has {count} problem{'s' if count != 1 else ''}; see errors.",
            fields,
        )
    )
    return Response(body, status=400)


PROBLEM = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "example": "$.scopes[0].level"},
        "code": {"type": "string", "example": "unknown_level"},
        "message": {"type": "string"},
    },
}
CHECK_OK = {
    "type": "object",
    "properties": {
        "valid": {"type": "boolean", "enum": [True]},
        "effective_scopes": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": PROBLEM},
    },
}
CHECK_FAILED = {
    "type": "object",
    "properties": {
        "valid": {"type": "boolean", "enum": [False]},
        "errors": {"type": "array", "items": PROBLEM},
        "warnings": {"type": "array", "items": PROBLEM},
        "error": {"type": "object"},
    },
}


class ManifestSchemaApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The JSON Schema of manifest format v1",
        description="Point an editor at this URL for completion and checks while writing.",
        responses={(200, "application/schema+json"): OpenApiTypes.OBJECT},
        tags=["manifests"],
    )
    def get(self, request: Request) -> Response:
        return Response(manifest_schema(get_catalog()), content_type="application/schema+json")


class ManifestValidateApi(APIView):
    changes_nothing = True  # a dry run: no 409 in the schema
    parser_classes = [RawBodyParser]

    throttle_scope = "manifests"  # apps.api.throttling.ScopedPrincipalThrottle

    @extend_schema(
        summary="Validate a manifest without saving anything (dry run)",
        description=(
            "The body is the manifest, as JSON (`application/json`) or YAML "
            "(`application/yaml`). Every problem is reported at once with its JSON path, a "
            "stable code and a message. The codes are listed in docs/manifest.md."
        ),
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/yaml": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(CHECK_OK, description="Valid, with the effective scopes."),
            400: OpenApiResponse(CHECK_FAILED, description="Invalid: every problem found."),
        },
        examples=[OpenApiExample("A valid manifest", value=EXAMPLE_MANIFEST, request_only=True)],
        tags=["manifests"],
    )
    def post(self, request: Request) -> Response:
        body = _raw_body(request, limit=MAX_BYTES)
        if isinstance(body, Problem):
            return _check_response(ManifestCheck(errors=(body,)))
        fmt = format_for(media_type=request.content_type)
        return _check_response(manifest_validate_text(body, fmt=fmt))


class ManifestDiffApi(APIView):
    changes_nothing = True  # a dry run: no 409 in the schema
    parser_classes = [RawBodyParser]

    throttle_scope = "manifests"  # apps.api.throttling.ScopedPrincipalThrottle

    @extend_schema(
        summary="Compare two manifests",
        description=(
            'The body is `{"old": <manifest>, "new": <manifest>}` (JSON or YAML). Scopes '
            "are compared after precedence; webhooks and embeddings by id; settings by key. "
            "`needs_consent` is true when the new manifest reaches data the old one could "
            "not. When either manifest is invalid the answer is 400 with its errors, their "
            "paths starting at `$.old` or `$.new`."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(CHECK_FAILED)},
        tags=["manifests"],
    )
    def post(self, request: Request) -> Response:
        body = _raw_body(request, limit=MAX_PAIR_BYTES)
        if isinstance(body, Problem):
            return _check_response(ManifestCheck(errors=(body,)))
        comparison = manifest_compare_text(body, fmt=format_for(media_type=request.content_type))
        if comparison.diff is None:
            return _check_response(comparison.problems)
        return Response(comparison.diff.as_dict())
