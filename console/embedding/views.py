"""An embedded app's full page, a lazily launched frame's first load, and the endpoints
the host bridge calls for a frame's SDK: a fresh launch token, the current user's
tokens, whether the user has authorized a user-level app. Each answers only for an
embedding the member may open now."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin

from apps.accounts.actors import Actor
from apps.accounts.selectors import member_profile_get_for
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.ratelimit import rate_limit_count
from apps.embedding.policies import origin_of
from apps.embedding.selectors import (
    Placement,
    placement_authorized,
    placement_get_for,
    placement_record,
)
from apps.embedding.services import (
    launch_token_issue,
    sdk_settings_get,
    sdk_settings_set_user,
    sdk_tokens_get,
)
from apps.installations.policies import STANDALONE_LOCATIONS
from apps.modules.members import USERS_MODEL
from apps.modules.selectors import record_get_for
from apps.oauth.issuer import oauth_issuer
from console.access import MemberRequiredMixin, access_errors
from console.embedding.frames import frame_for, host_origin, launch_src
from console.embedding.launch import LaunchRefused, launch_url_check
from console.embedding.menu import app_menu_for


class PlacementMixin(MemberRequiredMixin):
    request: HttpRequest

    def placement(self, installation_id: int, embedding_id: str) -> Placement:
        return placement_get_for(
            actor=self.actor,
            installation_id=installation_id,
            embedding_id=embedding_id,
            host_origin=host_origin(self.request),
        )


class EmbeddedPageView(PlacementMixin, View):
    """An app's page that needs no record (main menu, dashboard widget, settings page),
    full width in the console."""

    def get(self, request: HttpRequest, installation_id: int, embedding_id: str) -> HttpResponse:
        with access_errors():
            placement = self.placement(installation_id, embedding_id)
            if placement.location not in STANDALONE_LOCATIONS:
                raise Http404("The app has no page to open here.")
            frame = frame_for(request, actor=self.actor, placement=placement)
        return render(
            request,
            "console/embedding/page.html",
            {"frame": frame, "installation": placement.installation, "placement": placement},
        )


@method_decorator(xframe_options_sameorigin, name="dispatch")
class LaunchView(PlacementMixin, View):
    """A lazily launched frame's first load (``console.embedding.launch``): checks that
    the member may open the embedding now, the signed launch URL, and the record's access,
    signs the launch token and sends the frame on to the app's page with the launch
    context and the token. ``?to=``: a page of the app's own origin instead (a modal or
    side panel the frame opens). A refusal is a line of plain text in the frame."""

    def get(self, request: HttpRequest, installation_id: int, embedding_id: str) -> HttpResponse:
        try:
            placement = self.placement(installation_id, embedding_id)
            record_text = launch_url_check(
                request,
                installation_id=installation_id,
                embedding_id=embedding_id,
                signed=request.GET.get("launch", ""),
            )
            record = placement_record(placement=placement, record=record_text)
            if record is not None:  # the member must see the record, as on its page
                record_visible_check(actor=self.actor, record=record)
            page = request.GET.get("to") or None
            if page is not None and origin_of(page) != placement.origin:
                raise LaunchRefused(f"to: only pages of {placement.origin} open here.", 400)
            src = launch_src(
                request, actor=self.actor, placement=placement, record=record, page=page
            )
        except LaunchRefused as refused:
            return _plain(refused.message, refused.status)
        except ApplicationError as exc:
            return _plain(exc.message, exc.status_code)
        response = HttpResponseRedirect(src)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class AppMenuView(MemberRequiredMixin, View):
    """The sidebar's Your apps section: the main-menu pages of the apps the member may use,
    loaded by the page after it is shown (htmx)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        path = request.GET.get("path", "")
        return render(
            request,
            "console/embedding/menu.html",
            {"app_menu": app_menu_for(request, current_path=path)},
        )


class BridgeApi(PlacementMixin, View):
    """Base of the bridge's endpoints: JSON in and out, counted against the frame's
    per-minute limit, errors as ``{"error": {"code", "message"}}``."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, installation_id: int, embedding_id: str) -> HttpResponse:
        decision = rate_limit_count(
            key=f"embedding-sdk:{request.user.pk}:{installation_id}:{embedding_id}",
            limit=settings.EMBEDDING_SDK_CALLS_PER_MINUTE,
            period=60,
        )
        if not decision.allowed:
            return JsonResponse(
                {
                    "error": {
                        "code": ErrorCode.THROTTLED,
                        "message": "Too many calls from this app: retry in "
                        f"{int(decision.wait) + 1} s.",
                    }
                },
                status=429,
            )
        try:
            placement = self.placement(installation_id, embedding_id)
            body = self.answer(placement)
        except ApplicationError as exc:
            body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
            return JsonResponse(body, status=exc.status_code)
        response = JsonResponse(body)
        response["Cache-Control"] = "no-store"
        return response

    def answer(self, placement: Placement) -> dict[str, Any]:
        raise NotImplementedError


def record_visible_check(*, actor: Actor, record: dict[str, Any]) -> None:
    """``NotFound`` / ``PermissionDenied`` unless ``actor`` may open the page ``record``
    is shown on: a member's profile for ``users.user``, else the record's page."""
    if record["model"] == USERS_MODEL:
        member_profile_get_for(actor=actor, user_id=record["id"])
    else:
        record_get_for(actor=actor, code=record["model"], record_id=record["id"])


class LaunchTokenApi(BridgeApi):
    """A fresh launch token for the frame (the SDK's ``launchToken()``); a record card's
    names its record (``?record=<model>:<id>``, which the member must be able to see)."""

    def answer(self, placement: Placement) -> dict[str, Any]:
        record = placement_record(placement=placement, record=self.request.GET.get("record"))
        if record is not None:  # the member must see the record, as on its page
            record_visible_check(actor=self.actor, record=record)
        token = launch_token_issue(
            actor=self.actor, placement=placement, issuer=oauth_issuer(self.request), record=record
        )
        return {"launch_token": token.token, "expires_at": token.expires_at}


class TokensApi(BridgeApi):
    """The current user's access and refresh tokens for the installation (the SDK's
    ``auth.tokens()``); never another user's."""

    def answer(self, placement: Placement) -> dict[str, Any]:
        return sdk_tokens_get(actor=self.actor, placement=placement, held=self.request.session)


class AppSettingsApi(BridgeApi):
    """The app-level settings (``settings.app()``): secrets only as set or not."""

    def answer(self, placement: Placement) -> dict[str, Any]:
        return sdk_settings_get(actor=self.actor, placement=placement, level="app")


class UserSettingsApi(BridgeApi):
    """The user's own settings (``settings.user()``); with a JSON body ``{"values":
    {...}}`` (``application/json``), saves them first (``settings.setUser(values)``)."""

    def answer(self, placement: Placement) -> dict[str, Any]:
        if self.request.content_type != "application/json" or not self.request.body:
            return sdk_settings_get(actor=self.actor, placement=placement, level="user")
        try:
            values = json.loads(self.request.body).get("values")
        except (ValueError, AttributeError):
            values = None
        return sdk_settings_set_user(actor=self.actor, placement=placement, values=values)


class StatusApi(BridgeApi):
    """Whether the user may use the frame now (a user-level app: authorized), e.g. after
    the Authorize pop-up closed."""

    def answer(self, placement: Placement) -> dict[str, Any]:
        return {"authorized": placement_authorized(placement=placement, actor=self.actor)}
