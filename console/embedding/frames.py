"""What the console puts in an embedding's place: the frame's address (the launch context
and a launch token, or a signed launch URL that signs the token when the frame loads),
the data the host bridge (static/console/embedding.js) needs, or the Authorize button of
a user-level app the user has not authorized yet."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from apps.accounts.actors import Actor
from apps.embedding.policies import FRAME_SANDBOX, launch_language
from apps.embedding.selectors import Placement, placement_authorized
from apps.embedding.services import launch_token_issue
from apps.installations.policies import embedding_launch_url
from apps.oauth.issuer import oauth_issuer
from console.embedding.launch import launch_url_for
from console.installations.links import authorize_url


def host_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def frame_for(
    request: HttpRequest,
    *,
    actor: Actor,
    placement: Placement,
    record: dict[str, Any] | None = None,
    lazy: bool = False,
) -> dict[str, Any]:
    """The template context of one embedding's place (``console/embedding/frame.html``);
    ``record`` (``{"model", "id"}``, from ``placement_record``) on a record card.
    ``lazy``: the frame's address is a signed launch URL (``console.embedding.launch``),
    and its launch token is signed when the browser loads it, not now."""
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
    context = launch_context(request, actor=actor, placement=placement, record=record)
    launch_token_url = reverse("console:embedding:launch-token", kwargs=kwargs)
    if record:
        launch_token_url += "?" + urlencode({"record": context["record"]})
    if lazy:
        frame["launch_url"] = launch_url_for(request, placement=placement, record=record)
        frame["src"] = frame["launch_url"]
    else:
        frame["src"] = launch_src(request, actor=actor, placement=placement, record=record)
    frame.update(
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


def launch_context(
    request: HttpRequest, *, actor: Actor, placement: Placement, record: dict[str, Any] | None
) -> dict[str, Any]:
    """The launch context of a frame (``init()`` and ``context()`` in the SDK)."""
    installation = placement.installation
    return {
        "protocol": request.scheme or "https",
        "domain": f"{installation.account.slug}.{settings.PRODUCT_DOMAIN}",
        "lang": launch_language(
            user_language=actor.user.language if actor.user is not None else None,
            account_language=installation.account.language,
        ),
        "embedding": placement.code,
        "embedding_id": placement.embedding_id,
        "app": str(installation.app.code),
        "version": installation.version.number,
        "location": placement.location,
        "record": f"{record['model']}:{record['id']}" if record else None,
    }


def launch_src(
    request: HttpRequest,
    *,
    actor: Actor,
    placement: Placement,
    record: dict[str, Any] | None,
    page: str | None = None,
) -> str:
    """The frame's address: the embedding's URL (or ``page``, a page of the app's origin
    its modal opens) with the launch context (and the record on a record card), the
    host's origin (where the SDK talks) and a fresh signed launch token."""
    context = launch_context(request, actor=actor, placement=placement, record=record)
    token = launch_token_issue(
        actor=actor, placement=placement, issuer=oauth_issuer(request), record=record
    )
    src = embedding_launch_url(
        page or placement.url,
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
