"""The installed apps' items in the main menu, their widgets on the home page and their
cards on record pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from apps.embedding.policies import DASHBOARD_WIDGET, MAIN_MENU, SETTINGS_PAGE
from apps.embedding.selectors import Placement, card_placement_list_for, placement_list_for
from console.access import request_actor
from console.embedding.frames import frame_for, host_origin


@dataclass(frozen=True)
class AppLink:
    label: str
    url: str
    active: bool


def page_url(placement: Placement) -> str:
    return reverse(
        "console:installations:my_app-open",
        kwargs={
            "installation_id": placement.installation.pk,
            "embedding_id": placement.embedding_id,
        },
    )


def app_menu_for(request: HttpRequest, *, current_path: str = "") -> list[AppLink]:
    """The ``main_menu`` embeddings of the apps the member may use now (none for anyone
    who is not a member)."""
    actor = request_actor(request)
    if actor.membership is None:
        return []
    links = []
    for placement in placement_list_for(
        actor=actor, location=MAIN_MENU, host_origin=host_origin(request)
    ):
        url = page_url(placement)
        links.append(AppLink(label=placement.title, url=url, active=current_path == url))
    return links


def widgets_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The frames of the ``dashboard.widget`` embeddings for the account's home, each
    launched lazily: its launch token is signed when the browser loads it."""
    actor = request_actor(request)
    if actor.membership is None:
        return []
    return [
        frame_for(request, actor=actor, placement=placement, lazy=True)
        for placement in placement_list_for(
            actor=actor, location=DASHBOARD_WIDGET, host_origin=host_origin(request)
        )
    ]


def record_cards_for(request: HttpRequest, *, model: str, record_id: int) -> list[dict[str, Any]]:
    """The frames of the record cards of ``model`` for one record the member may see
    (the record page has checked that), each with the record in its launch context and
    its launch token's ``record`` claim."""
    actor = request_actor(request)
    if actor.membership is None:
        return []
    record = {"model": model, "id": record_id}
    return [
        frame_for(request, actor=actor, placement=placement, record=record)
        for placement in card_placement_list_for(
            actor=actor, model=model, host_origin=host_origin(request)
        )
    ]


def settings_pages_for(request: HttpRequest, *, installation_id: int) -> list[AppLink]:
    """The ``settings.page`` embeddings of one installation, for its admin's page."""
    actor = request_actor(request)
    if actor.membership is None:
        return []
    return [
        AppLink(label=placement.title, url=page_url(placement), active=False)
        for placement in placement_list_for(
            actor=actor, location=SETTINGS_PAGE, host_origin=host_origin(request)
        )
        if placement.installation.pk == installation_id
    ]
