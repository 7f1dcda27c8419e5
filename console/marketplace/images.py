"""Listing images (logos and banners), served from storage through Django whatever the
storage is, to whoever may see the app (see ``listing_image_get``)."""

import mimetypes

from django.http import FileResponse, HttpRequest
from django.views import View

from apps.catalog.selectors import listing_image_get
from console.access import access_errors, request_actor


class _ImageView(View):
    http_method_names = ["get", "head"]

    def respond(self, request: HttpRequest, code: str, banner_id: int | None) -> FileResponse:
        with access_errors():
            image = listing_image_get(code=code, banner_id=banner_id, actor=request_actor(request))
        content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        response = FileResponse(image.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=300"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response


class AppLogoView(_ImageView):
    def get(self, request: HttpRequest, code: str) -> FileResponse:
        return self.respond(request, code, None)


class AppBannerView(_ImageView):
    def get(self, request: HttpRequest, code: str, banner_id: int) -> FileResponse:
        return self.respond(request, code, banner_id)
