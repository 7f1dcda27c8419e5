"""Developer API: versions from a manifest, their status flow, diff and history."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.context import request_actor
from apps.catalog.api import serializers as out
from apps.catalog.api.developer.common import (
    _app,
    _only,
    _version,
    _version_body,
)
from apps.catalog.api.views import (
    CHECK_FAILED,
    EXAMPLE_MANIFEST,
    RawBodyParser,
    _check_response,
    _raw_body,
)
from apps.catalog.errors import CatalogProblem
from apps.catalog.manifests import MAX_BYTES, ManifestCheck, ManifestError, Problem, format_for
from apps.catalog.manifests.reading import Format
from apps.catalog.selectors import (
    version_diff,
    version_history,
    version_last_published,
    version_list_for_app,
    version_previous,
)
from apps.catalog.services import (
    ManifestInvalid,
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_update,
    version_withdraw,
)
from apps.core.api import paginated_response, query_choice
from apps.core.errors import ValidationFailed

# --- versions --------------------------------------------------------------------------------


def _manifest_refused(exc: ValidationFailed) -> Response:
    """A refused manifest, in the body of ``POST /api/v1/manifests/validate``'s 400."""
    if isinstance(exc, ManifestInvalid):
        return _check_response(exc.check)
    problems = tuple(
        Problem(path=path, code=CatalogProblem.VERSION_NUMBER, message=message)
        for path, messages in exc.fields.items()
        for message in messages
    )
    return _check_response(ManifestCheck(errors=problems))


def _manifest_input(request: Request) -> tuple[bytes, Format | None, str | None] | Response:
    """The manifest and changelog sent, either as a raw JSON/YAML body (changelog in the
    query) or as multipart/form-data (a ``manifest`` file and a ``changelog`` field)."""
    if (request.content_type or "").startswith("multipart/form-data"):
        upload = request.FILES.get("manifest")
        if upload is None:
            raise ValidationFailed(
                "Attach the manifest.",
                fields={"manifest": ['Send the manifest file as the field "manifest".']},
            )
        if upload.size is not None and upload.size > MAX_BYTES:
            problem = Problem(
                path="$",
                code=ManifestError.TOO_LARGE,
                message=f"The file is larger than {MAX_BYTES:,} bytes; a manifest may be "
                "256 KB at most.",
            )
            return _check_response(ManifestCheck(errors=(problem,)))
        fmt = format_for(filename=upload.name) or format_for(media_type=upload.content_type)
        changelog = request.data.get("changelog")
        return upload.read(), fmt, changelog
    body = _raw_body(request, limit=MAX_BYTES)
    if isinstance(body, Problem):
        return _check_response(ManifestCheck(errors=(body,)))
    return body, format_for(media_type=request.content_type), request.query_params.get("changelog")


MANIFEST_FORM = inline_serializer(
    "ManifestUploadInput",
    fields={
        "manifest": serializers.FileField(help_text="The manifest file, .json or .yaml."),
        "changelog": serializers.CharField(required=False, help_text="What changed."),
    },
)
MANIFEST_REQUEST = {
    "application/json": OpenApiTypes.OBJECT,
    "application/yaml": OpenApiTypes.STR,
    "multipart/form-data": MANIFEST_FORM,
}
CHANGELOG_PARAM = OpenApiParameter(
    "changelog",
    description="What changed (with a raw JSON or YAML body; in multipart send the field).",
    required=False,
)
MANIFEST_EXAMPLE = OpenApiExample("A manifest", value=EXAMPLE_MANIFEST, request_only=True)
MANIFEST_400 = OpenApiResponse(
    CHECK_FAILED,
    description="The manifest has problems: every one, by JSON path, as "
    "`POST /api/v1/manifests/validate` answers. `$.version` with code `version_number` when "
    "the number exists or is not higher than the app's highest version.",
)


class VersionListApi(APIView):
    parser_classes = [MultiPartParser, RawBodyParser]

    @extend_schema(
        operation_id="apps_versions_list",
        summary="The app's versions, newest first",
        parameters=out.PAGE_PARAMETERS,
        responses=out.page_of(out.VersionListOutput),
        tags=["versions"],
    )
    def get(self, request: Request, code: str) -> Response:
        _actor, app = _app(request, code)
        return paginated_response(
            request=request,
            view=self,
            queryset=version_list_for_app(app=app),
            serializer=out.VersionListOutput,
        )

    @extend_schema(
        summary="Create a version from a manifest",
        description="Send the manifest as the body (`application/json` or `application/yaml`, "
        "changelog in `?changelog=`), or as multipart/form-data with a `manifest` file and a "
        "`changelog` field. The version number is the manifest's `version` and must be higher "
        "than every version of the app. The version starts as a draft: submit it for "
        "moderation (public apps) or publish it (private apps). A CI pipeline needs two "
        "calls: this one and `POST .../versions/{number}/submit`.",
        parameters=[CHANGELOG_PARAM],
        request=MANIFEST_REQUEST,
        responses={201: out.VersionOutput, 400: MANIFEST_400},
        examples=[MANIFEST_EXAMPLE],
        tags=["versions"],
    )
    def post(self, request: Request, code: str) -> Response:
        _actor, app = _app(request, code)
        given = _manifest_input(request)
        if isinstance(given, Response):
            return given
        raw, fmt, changelog = given
        try:
            version = version_create(
                app=app, raw=raw, fmt=fmt, changelog=changelog or "", actor=request_actor(request)
            )
        except ValidationFailed as exc:
            if exc.code != "invalid_manifest":
                raise
            return _manifest_refused(exc)
        return Response(_version_body(request, version), status=status.HTTP_201_CREATED)


class VersionDetailApi(APIView):
    """PUT reads the manifest raw or from multipart, like creating a version; PATCH is a
    plain JSON body."""

    parser_classes = [MultiPartParser, RawBodyParser]

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        self._json_body = request.method == "PATCH"
        return super().initialize_request(request, *args, **kwargs)

    def get_parsers(self) -> list[Any]:
        if getattr(self, "_json_body", False):
            return [JSONParser()]
        return super().get_parsers()

    @extend_schema(
        summary="One version",
        description="With the manifest as stored and as sent, the effective scopes in plain "
        "words with their reasons, and `actions`: what you can do with it now.",
        responses=out.VersionOutput,
        tags=["versions"],
    )
    def get(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        return Response(_version_body(request, version))

    @extend_schema(
        summary="Replace the manifest of a draft or rejected version",
        description="The same inputs as creating a version. Only drafts and rejected "
        "versions can be edited (409 `version_not_editable` otherwise); editing a rejected "
        "version makes it a draft again, ready to resubmit.",
        parameters=[CHANGELOG_PARAM],
        request=MANIFEST_REQUEST,
        responses={200: out.VersionOutput, 400: MANIFEST_400},
        examples=[MANIFEST_EXAMPLE],
        tags=["versions"],
    )
    def put(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        given = _manifest_input(request)
        if isinstance(given, Response):
            return given
        raw, fmt, changelog = given
        try:
            version = version_update(
                version=version, raw=raw, fmt=fmt, changelog=changelog, actor=request_actor(request)
            )
        except ValidationFailed as exc:
            if exc.code != "invalid_manifest":
                raise
            return _manifest_refused(exc)
        return Response(_version_body(request, version))

    @extend_schema(
        summary="Change the changelog of a draft or rejected version",
        request={"application/json": out.VersionChangelogInput},
        responses=out.VersionOutput,
        examples=[
            OpenApiExample("Changelog", value={"changelog": "Fixes rounding."}, request_only=True)
        ],
        tags=["versions"],
    )
    def patch(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        data = out.VersionChangelogInput(data=_only(request.data, ("changelog",)))
        data.is_valid(raise_exception=True)
        version = version_update(
            version=version,
            changelog=data.validated_data["changelog"],
            actor=request_actor(request),
        )
        return Response(_version_body(request, version))


class _VersionTransitionApi(APIView):
    service: ClassVar[Any]

    def post(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        type(self).service(version=version, actor=request_actor(request))
        version.refresh_from_db()
        return Response(_version_body(request, version))


TRANSITION_ERRORS = (
    "409 `illegal_transition` when the version's status does not allow it (the message "
    "says what it can become); 409 `conflict` when someone changed it first."
)


def _transition(summary: str, description: str) -> Any:
    return extend_schema(
        summary=summary,
        description=f"{description} {TRANSITION_ERRORS}",
        request=None,
        responses=out.VersionOutput,
        tags=["versions"],
    )


@_transition(
    "Submit a draft for moderation",
    "Public apps: draft → submitted; a moderator then reviews it.",
)
class VersionSubmitApi(_VersionTransitionApi):
    service = version_submit


@_transition(
    "Withdraw a submitted version",
    "Public apps: submitted (not yet claimed by a moderator) → draft.",
)
class VersionWithdrawApi(_VersionTransitionApi):
    service = version_withdraw


@_transition(
    "Publish a version",
    "Private apps: draft or hidden → published. Public apps: approved or hidden → published.",
)
class VersionPublishApi(_VersionTransitionApi):
    service = version_publish


@_transition(
    "Hide a published version",
    "published → hidden: it can no longer be installed from the catalog.",
)
class VersionHideApi(_VersionTransitionApi):
    service = version_hide


class VersionDiffApi(APIView):
    @extend_schema(
        summary="What changed in this version",
        description="Against the version just below it (`previous`, the default) or the last "
        'published one (`published`). `{"against": null}` when there is nothing to compare.',
        parameters=[OpenApiParameter("against", enum=["previous", "published"], required=False)],
        responses=OpenApiTypes.OBJECT,
        tags=["versions"],
    )
    def get(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        app = version.app
        against_kind = query_choice(request, "against", ("previous", "published")) or "previous"
        if against_kind == "previous":
            against = version_previous(version=version)
        else:
            against = version_last_published(app=app, exclude=version)
        diff = version_diff(version=version, against=against)
        if diff is None or against is None:
            return Response({"against": None})
        return Response({"against": against.number, **diff.as_dict()})


class VersionHistoryApi(APIView):
    @extend_schema(
        operation_id="apps_versions_history_list",
        summary="Every status change of the version",
        description="Who, when, from, to and why; oldest first.",
        parameters=out.PAGE_PARAMETERS,
        responses=out.page_of(out.EventOutput),
        tags=["versions"],
    )
    def get(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        return paginated_response(
            request=request,
            view=self,
            queryset=version_history(version=version),
            serializer=out.EventOutput,
        )
