"""Developer API: an account's apps, their listing and images, OAuth credentials,
versions (from a manifest, with their status flow, diff and history) and install links.

Who may call: a signed-in member with the developer right in the acting account
(``X-Account`` picks it), or an account API key, which manages its own account's apps.
A member without the right gets 403; an app of another account is 404. Every write goes
through one service of ``apps.catalog.services``, which writes all or nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from django.db import transaction
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

from apps.accounts.api.context import ActingContext, acting_context
from apps.accounts.principals import ApiKeyPrincipal
from apps.accounts.services import membership_require_developer
from apps.catalog.api import serializers as out
from apps.catalog.api.views import (
    CHECK_FAILED,
    EXAMPLE_MANIFEST,
    RawBodyParser,
    _check_response,
    _raw_body,
)
from apps.catalog.manifests import MAX_BYTES, ManifestCheck, ManifestError, Problem, format_for
from apps.catalog.manifests.reading import Format
from apps.catalog.models import App, AppStatus, AppType, AppVersion
from apps.catalog.selectors import (
    app_get_for_developer,
    app_list_for_developer,
    install_link_get,
    install_link_list_for_version,
    version_diff,
    version_get,
    version_history,
    version_last_published,
    version_list_for_app,
    version_previous,
    version_scope_lines,
)
from apps.catalog.services import (
    LISTING_FIELDS,
    By,
    ManifestInvalid,
    app_activate,
    app_banner_add,
    app_banner_remove,
    app_create,
    app_credentials_rotate,
    app_deactivate,
    app_delete,
    app_list_in_catalog,
    app_listing_update,
    app_logo_remove,
    app_logo_set,
    app_rename,
    app_unlist,
    install_link_create,
    install_link_revoke,
    version_create,
    version_hide,
    version_publish,
    version_submit,
    version_update,
    version_withdraw,
)
from apps.core.api import paginated_response
from apps.core.errors import ValidationFailed

# --- who acts --------------------------------------------------------------------------------


def developer_context(request: Request) -> ActingContext:
    """The acting account, when the caller may manage its apps: an API key of the account,
    or a member with the developer right (403 otherwise; 404 for a non-member)."""
    ctx = acting_context(request)
    if not ctx.via_api_key:
        membership_require_developer(membership=ctx.membership)
    return ctx


def acting_by(request: Request) -> By:
    """Who to record in a version's history: the user, or the API key by its prefix."""
    if isinstance(request.user, ApiKeyPrincipal):
        return By(user=None, label=f"API key {request.user.api_key.display_prefix}")
    return By.user_(request.user)  # type: ignore[arg-type]


def _app(request: Request, code: Any) -> tuple[ActingContext, App]:
    ctx = developer_context(request)
    return ctx, app_get_for_developer(account=ctx.account, code=code)


def _version(request: Request, code: Any, number: str) -> AppVersion:
    _ctx, app = _app(request, code)
    return version_get(app=app, number=number)


def _app_body(request: Request, ctx: ActingContext, app: App) -> dict[str, Any]:
    """The app as the list shows it, read again so counts and status are current."""
    fresh = app_get_for_developer(account=ctx.account, code=app.code)
    return out.AppOutput(fresh, context={"request": request}).data


def _version_body(request: Request, version: AppVersion) -> dict[str, Any]:
    context = {"request": request, "scope_lines": version_scope_lines(version=version)}
    return out.VersionOutput(version, context=context).data


def _only(data: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The body as a dict, refusing fields that cannot be set here (each named)."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "Send a JSON object.", fields={"non_field_errors": ["Send a JSON object."]}
        )
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(
            "Some fields cannot be changed here: " + ", ".join(unknown) + ".",
            fields={
                name: [f"Unknown or read-only field; allowed: {', '.join(allowed)}."]
                for name in unknown
            },
        )
    return data


def _choice(request: Request, name: str, choices: tuple[str, ...]) -> str:
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise ValidationFailed(
            f"Unknown {name} {value!r}.", fields={name: [f"Choose one of: {', '.join(choices)}."]}
        )
    return value


# --- apps ------------------------------------------------------------------------------------

APP_EXAMPLE = {
    "code": "0b7c64ce-3f5e-4d4b-a1c4-4b7c2d8e9f10",
    "name": "Invoicer",
    "type": "public",
    "status": "active",
    "listed": False,
    "summary": "Invoices from deals in one click.",
    "description": "",
    "support_email": "help@invoicer.example.com",
    "support_url": "",
    "logo_url": None,
    "client_id": "mR2b0n8c1c7e0xk2QfL9",
    "credentials_rotated_at": None,
    "version_count": 1,
    "pending_count": 0,
    "latest_number": "1.0.0",
    "published_number": None,
    "listing_problems": {"versions": ["Publish a version first (after moderation approves it)."]},
    "created_at": "2026-03-01T09:30:00Z",
    "updated_at": "2026-03-01T09:30:00Z",
    "deleting_at": None,
}


class AppListApi(APIView):
    @extend_schema(
        operation_id="apps_list",
        summary="The account's apps",
        parameters=[
            OpenApiParameter("search", description="Part of the name.", required=False),
            OpenApiParameter("type", enum=list(AppType.values), required=False),
            OpenApiParameter("status", enum=list(AppStatus.values), required=False),
            OpenApiParameter("listed", enum=["yes", "no"], required=False),
            *out.PAGE_PARAMETERS,
        ],
        responses=out.page_of(out.AppOutput),
        tags=["apps"],
    )
    def get(self, request: Request) -> Response:
        ctx = developer_context(request)
        qs = app_list_for_developer(account=ctx.account).order_by("name", "pk")
        search = request.query_params.get("search", "").strip()
        if search:
            qs = qs.filter(name__icontains=search)
        if kind := _choice(request, "type", tuple(AppType.values)):
            qs = qs.filter(type=kind)
        if state := _choice(request, "status", tuple(AppStatus.values)):
            qs = qs.filter(status=state)
        if listed := _choice(request, "listed", ("yes", "no")):
            qs = qs.filter(is_listed=listed == "yes")
        return paginated_response(
            request=request,
            view=self,
            queryset=qs,
            serializer=partial(out.AppOutput, context={"request": request}),  # type: ignore[arg-type]
        )

    @extend_schema(
        summary="Create an app",
        description="The answer holds the OAuth client secret, once: store it now. Only its "
        "hash is kept; rotate it to get a new one.",
        request=out.AppCreateInput,
        responses={201: out.AppCreatedOutput},
        examples=[
            OpenApiExample(
                "Create", value={"name": "Invoicer", "type": "public"}, request_only=True
            ),
            OpenApiExample(
                "Created",
                value={
                    **APP_EXAMPLE,
                    "credentials": {
                        "client_id": "mR2b0n8c1c7e0xk2QfL9",
                        "client_secret": "shown-once-Jx0dV2...",
                    },
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
        tags=["apps"],
    )
    def post(self, request: Request) -> Response:
        ctx = developer_context(request)
        data = out.AppCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        app, secret = app_create(
            account=ctx.account,
            name=data.validated_data["name"],
            type=data.validated_data["type"],
            by=acting_by(request),
        )
        fresh = app_get_for_developer(account=ctx.account, code=app.code)
        body = out.AppCreatedOutput(
            fresh, context={"request": request, "client_secret": secret}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class AppDetailApi(APIView):
    @extend_schema(
        summary="One app",
        responses=out.AppOutput,
        examples=[OpenApiExample("An app", value=APP_EXAMPLE, response_only=True)],
        tags=["apps"],
    )
    def get(self, request: Request, code: str) -> Response:
        _ctx, app = _app(request, code)
        return Response(out.AppOutput(app, context={"request": request}).data)

    @extend_schema(
        summary="Rename the app or edit its listing",
        description="Send only the fields to change: `name`, `summary`, `description`, "
        "`support_email`, `support_url`. Listing edits never need moderation. A listed app "
        "must keep a summary, a description and a support contact.",
        request=out.AppUpdateInput,
        responses=out.AppOutput,
        examples=[
            OpenApiExample(
                "Listing",
                value={
                    "summary": "Invoices from deals in one click.",
                    "support_email": "help@invoicer.example.com",
                },
                request_only=True,
            )
        ],
        tags=["apps"],
    )
    def patch(self, request: Request, code: str) -> Response:
        ctx, app = _app(request, code)
        data = _only(request.data, ("name", *LISTING_FIELDS))
        checked = out.AppUpdateInput(data=data)
        checked.is_valid(raise_exception=True)
        values = dict(checked.validated_data)
        with transaction.atomic():
            if "name" in values:
                app = app_rename(app=app, name=values.pop("name"))
            if values:
                app = app_listing_update(app=app, **values)
        return Response(_app_body(request, ctx, app))

    @extend_schema(
        summary="Delete the app",
        description="At once the app is unlisted, cannot be installed and its tokens are "
        "refused; its status becomes `deleting` and nothing can change it any more. Removing "
        "it from the accounts that installed it is a background job. Deleting twice changes "
        "nothing.",
        request=None,
        responses={202: out.AppOutput},
        tags=["apps"],
    )
    def delete(self, request: Request, code: str) -> Response:
        ctx, app = _app(request, code)
        app = app_delete(app=app)
        return Response(_app_body(request, ctx, app), status=status.HTTP_202_ACCEPTED)


class _AppActionApi(APIView):
    service: ClassVar[Any]

    def post(self, request: Request, code: str) -> Response:
        ctx, app = _app(request, code)
        app = type(self).service(app=app)
        return Response(_app_body(request, ctx, app))


def _app_action(summary: str, description: str) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses=out.AppOutput,
        tags=["apps"],
    )


@_app_action("Activate the app", "Installs, embedding and tokens work again. Idempotent.")
class AppActivateApi(_AppActionApi):
    service = app_activate


@_app_action(
    "Deactivate the app",
    "The app cannot be installed, is not embedded, and every token of it is refused from "
    "the next request. Idempotent.",
)
class AppDeactivateApi(_AppActionApi):
    service = app_deactivate


@_app_action(
    "List the app in the marketplace catalog",
    "Public apps only, active, with a published version, a summary, a description and a "
    "support contact; a 400 names each missing piece.",
)
class AppListInCatalogApi(_AppActionApi):
    service = app_list_in_catalog


@_app_action(
    "Hide the app from the marketplace catalog",
    "Accounts that installed it keep it. Idempotent.",
)
class AppUnlistApi(_AppActionApi):
    service = app_unlist


# --- listing images --------------------------------------------------------------------------


def _image_refused(exc: ValidationFailed, field: str) -> ValidationFailed:
    """The service names the image ``logo`` or ``banner``; the API's field is ``file``."""
    fields = {("file" if name == field else name): msgs for name, msgs in exc.fields.items()}
    return ValidationFailed(exc.message, code=exc.code, fields=fields)


def _upload(request: Request) -> Any:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(
            "Attach the image.",
            fields={"file": ['Send the image as the multipart/form-data field "file".']},
        )
    return upload


IMAGE_REQUEST = {"multipart/form-data": out.ImageUploadInput}


class AppLogoApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Set the logo",
        description="A square PNG, JPEG or WebP image, 128 to 2048 pixels a side, at most "
        "1 MB, as the multipart field `file`. The file's content decides its type, not its "
        "name. A 400 names `file` and says what to change.",
        request=IMAGE_REQUEST,
        responses=out.AppOutput,
        tags=["apps"],
    )
    def put(self, request: Request, code: str) -> Response:
        ctx, app = _app(request, code)
        try:
            app = app_logo_set(app=app, upload=_upload(request))
        except ValidationFailed as exc:
            raise _image_refused(exc, "logo") from exc
        return Response(_app_body(request, ctx, app))

    @extend_schema(summary="Remove the logo", request=None, responses=out.AppOutput, tags=["apps"])
    def delete(self, request: Request, code: str) -> Response:
        ctx, app = _app(request, code)
        app = app_logo_remove(app=app)
        return Response(_app_body(request, ctx, app))


class AppBannerListApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="apps_banners_list",
        summary="The app's banners, in order",
        parameters=out.PAGE_PARAMETERS,
        responses=out.page_of(out.BannerOutput),
        tags=["apps"],
    )
    def get(self, request: Request, code: str) -> Response:
        _ctx, app = _app(request, code)
        return paginated_response(
            request=request,
            view=self,
            queryset=app.banners.select_related("app"),
            serializer=partial(out.BannerOutput, context={"request": request}),  # type: ignore[arg-type]
        )

    @extend_schema(
        summary="Add a banner",
        description="A wide PNG, JPEG or WebP image (about 2:1), 1200x600 to 3840x1920 "
        "pixels, at most 2 MB, as the multipart field `file`; at most 5 banners. A 400 names "
        "`file`.",
        request=IMAGE_REQUEST,
        responses={201: out.BannerOutput},
        tags=["apps"],
    )
    def post(self, request: Request, code: str) -> Response:
        _ctx, app = _app(request, code)
        try:
            banner = app_banner_add(app=app, upload=_upload(request))
        except ValidationFailed as exc:
            raise _image_refused(exc, "banner") from exc
        body = out.BannerOutput(banner, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AppBannerDetailApi(APIView):
    @extend_schema(summary="Remove a banner", request=None, responses={204: None}, tags=["apps"])
    def delete(self, request: Request, code: str, banner_id: int) -> Response:
        _ctx, app = _app(request, code)
        app_banner_remove(app=app, banner_id=banner_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- credentials -----------------------------------------------------------------------------


class AppCredentialsApi(APIView):
    @extend_schema(
        summary="The app's OAuth client id",
        description="The secret is never shown again after creation or rotation.",
        responses=out.CredentialsOutput,
        tags=["apps"],
    )
    def get(self, request: Request, code: str) -> Response:
        _ctx, app = _app(request, code)
        return Response(out.CredentialsOutput(app).data)


class AppCredentialsRotateApi(APIView):
    @extend_schema(
        summary="Rotate the app's client secret",
        description="The old secret stops working at once; the client id stays. The answer "
        "holds the new secret, once.",
        request=None,
        responses=out.NewCredentialsOutput,
        tags=["apps"],
    )
    def post(self, request: Request, code: str) -> Response:
        _ctx, app = _app(request, code)
        secret = app_credentials_rotate(app=app)
        return Response({"client_id": app.oauth_application.client_id, "client_secret": secret})


# --- versions --------------------------------------------------------------------------------

VERSION_NUMBER_CODE = "version_number"


def _manifest_refused(exc: ValidationFailed) -> Response:
    """A refused manifest, in the body of ``POST /api/v1/manifests/validate``'s 400."""
    if isinstance(exc, ManifestInvalid):
        return _check_response(exc.check)
    problems = tuple(
        Problem(path=path, code=VERSION_NUMBER_CODE, message=message)
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
        _ctx, app = _app(request, code)
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
        _ctx, app = _app(request, code)
        given = _manifest_input(request)
        if isinstance(given, Response):
            return given
        raw, fmt, changelog = given
        try:
            version = version_create(
                app=app, raw=raw, fmt=fmt, changelog=changelog or "", by=acting_by(request)
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
                version=version, raw=raw, fmt=fmt, changelog=changelog, by=acting_by(request)
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
            version=version, changelog=data.validated_data["changelog"], by=acting_by(request)
        )
        return Response(_version_body(request, version))


class _VersionTransitionApi(APIView):
    service: ClassVar[Any]

    def post(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        type(self).service(version=version, by=acting_by(request))
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
        against_kind = _choice(request, "against", ("previous", "published")) or "previous"
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


# --- install links ---------------------------------------------------------------------------


class InstallLinkListApi(APIView):
    @extend_schema(
        operation_id="apps_versions_install_links_list",
        summary="The version's install links",
        description="Never the token: it is shown only when the link is created.",
        parameters=out.PAGE_PARAMETERS,
        responses=out.page_of(out.InstallLinkOutput),
        tags=["install links"],
    )
    def get(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        return paginated_response(
            request=request,
            view=self,
            queryset=install_link_list_for_version(version=version),
            serializer=out.InstallLinkOutput,
        )

    @extend_schema(
        summary="Create an install link",
        description="A link that lets an admin of any account install this exact version, "
        "until it expires or you revoke it. The answer holds the token and the URL to send, "
        "once. Refused (409) for a rejected version or an inactive app.",
        request=out.InstallLinkCreateInput,
        responses={201: out.InstallLinkCreatedOutput},
        examples=[
            OpenApiExample(
                "Create", value={"label": "Beta testers", "expires_in_days": 14}, request_only=True
            )
        ],
        tags=["install links"],
    )
    def post(self, request: Request, code: str, number: str) -> Response:
        version = _version(request, code, number)
        data = out.InstallLinkCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        link, token = install_link_create(
            version=version,
            label=data.validated_data["label"],
            expires_in_days=data.validated_data["expires_in_days"],
            by=acting_by(request),
        )
        body = out.InstallLinkCreatedOutput(link, context={"request": request, "token": token}).data
        return Response(body, status=status.HTTP_201_CREATED)


class InstallLinkRevokeApi(APIView):
    @extend_schema(
        summary="Revoke an install link",
        description="The link stops working at once. Revoking twice changes nothing.",
        request=None,
        responses=out.InstallLinkOutput,
        tags=["install links"],
    )
    def post(self, request: Request, code: str, number: str, link_id: int) -> Response:
        version = _version(request, code, number)
        link = install_link_get(version=version, link_id=link_id)
        link = install_link_revoke(link=link, by=acting_by(request))
        return Response(out.InstallLinkOutput(link).data)
