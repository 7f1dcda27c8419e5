"""What the console puts in an embedding's place: the frame's address (launch context
and launch token), the data the host bridge (static/console/embedding.js) needs, or the
Authorize button of a user-level app the user has not authorized yet."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from apps.accounts.actors import Actor
from apps.embedding.policies import FRAME_SANDBOX
from apps.embedding.selectors import Placement, placement_authorized
from apps.embedding.services import launch_token_issue
from apps.installations.policies import embedding_launch_url
from apps.oauth.issuer import oauth_issuer
from console.installations.links import authorize_url


def host_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def launch_language(actor: Actor, placement: Placement) -> str:
    return getattr(actor.user, "language", None) or placement.installation.account.language


def frame_for(
    request: HttpRequest,
    *,
    actor: Actor,
    placement: Placement,
    record: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The template context of one embedding's place (``console/embedding/frame.html``);
    ``record`` (``{"model", "id"}``, from ``placement_record``) on a record card."""
    installation = placement.installation
    account = installation.account
    kwargs = {"installation_id": installation.pk, "embedding_id": placement.embedding_id}
    frame: dict[str, Any] = {
        "placement": placement,
        "sandbox": FRAME_SANDBOX,
        "origin": placement.origin,
        "key": f"{installation.pk}:{placement.embedding_id}",
        "app_name": placement.app_name,
        "title": placement.title,
        "status_url": reverse("console:embedding:status", kwargs=kwargs),
        "authorized": placement_authorized(placement=placement, actor=actor),
        "user_level": placement.user_level,
    }
    if not frame["authorized"]:
        frame["authorize_url"] = authorize_url(
            app=installation.app, version=installation.version, account=account
        )
        return frame
    lang = launch_language(actor, placement)
    context = {
        "protocol": request.scheme or "https",
        "domain": f"{account.slug}.{settings.PRODUCT_DOMAIN}",
        "lang": lang,
        "embedding": placement.code,
        "embedding_id": placement.embedding_id,
        "app": str(installation.app.code),
        "version": installation.version.number,
        "location": placement.location,
        "record": f"{record['model']}:{record['id']}" if record else None,
    }
    launch_token_url = reverse("console:embedding:launch-token", kwargs=kwargs)
    if record:
        launch_token_url += "?" + urlencode({"record": context["record"]})
    frame.update(
        src=_launch_src(request, actor=actor, placement=placement, context=context, record=record),
        context_json=json.dumps(context),
        launch_token_url=launch_token_url,
        tokens_url=reverse("console:embedding:tokens", kwargs=kwargs),
        app_settings_url=reverse("console:embedding:settings-app", kwargs=kwargs),
        user_settings_url=reverse("console:embedding:settings-user", kwargs=kwargs),
        reauthorize_url=reverse(
            "console:installations:my_app-reauthorize",
            kwargs={"installation_id": installation.pk},
        ),
        calls_per_minute=settings.EMBEDDING_SDK_CALLS_PER_MINUTE,
    )
    return frame


def _launch_src(
    request: HttpRequest,
    *,
    actor: Actor,
    placement: Placement,
    context: dict[str, Any],
    record: dict[str, Any] | None,
) -> str:
    """The frame's address: the embedding's URL with the launch context (and the record
    on a record card), the host's origin (where the SDK talks) and a fresh signed
    launch token."""
    token = launch_token_issue(
        actor=actor, placement=placement, issuer=oauth_issuer(request), record=record
    )
    src = embedding_launch_url(
        placement.url,
        protocol=context["protocol"],
        domain=context["domain"],
        language=context["lang"],
        code=placement.code,
        embedding_id=placement.embedding_id,
        app_code=context["app"],
        version=context["version"],
        record_id=record["id"] if record else None,
    )
    extra = {"embedding": placement.code}
    if record:
        extra["record"] = context["record"]
    extra.update(host_origin=host_origin(request), launch_token=token.token)
    return src + "&" + urlencode(extra)
