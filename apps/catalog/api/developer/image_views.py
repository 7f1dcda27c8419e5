"""Developer API: an app's listing images, the logo and the banners, sent as the
multipart field ``file`` and checked by the catalog's image rules."""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.api import serializers as out
from apps.catalog.api.developer.common import _app, _app_body
from apps.catalog.services import app_banner_add, app_banner_remove, app_logo_remove, app_logo_set
from apps.core.api import paginated_response
from apps.core.errors import ValidationFailed


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
        actor, app = _app(request, code)
        try:
            app = app_logo_set(app=app, upload=_upload(request))
        except ValidationFailed as exc:
            raise _image_refused(exc, "logo") from exc
        return Response(_app_body(request, actor, app))

    @extend_schema(
        summary="Remove the logo",
        request=None,
        responses={200: out.AppOutput},
        tags=["apps"],
    )
    def delete(self, request: Request, code: str) -> Response:
        actor, app = _app(request, code)
        app = app_logo_remove(app=app)
        return Response(_app_body(request, actor, app))


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
        _actor, app = _app(request, code)
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
        _actor, app = _app(request, code)
        try:
            banner = app_banner_add(app=app, upload=_upload(request))
        except ValidationFailed as exc:
            raise _image_refused(exc, "banner") from exc
        body = out.BannerOutput(banner, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AppBannerDetailApi(APIView):
    @extend_schema(summary="Remove a banner", request=None, responses={204: None}, tags=["apps"])
    def delete(self, request: Request, code: str, banner_id: int) -> Response:
        _actor, app = _app(request, code)
        app_banner_remove(app=app, banner_id=banner_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
