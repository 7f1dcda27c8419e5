"""Load the catalog's demo apps into the devstudio account, through the services.

- Invoicer (public): 1.0.0 published and listed in the catalog with a logo and a banner;
  1.1.0, asking for more scopes, waiting in the moderation queue.
- Team Timesheets (private): 1.0.0 published.
- Helpdesk Bridge (public): 1.0.0 draft, for the developer to submit.

Idempotent: an app that exists is left as it is, whatever happened to it since. ``demo``
runs this after it creates the accounts and users. It lives in moderation, the context
above the catalog, because Invoicer 1.0.0 is claimed and approved through the queue's
services like any version.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django.db import transaction
from PIL import Image, ImageDraw

from apps.accounts.actors import Actor, actor_for_user
from apps.accounts.models import Account, User
from apps.catalog.models import App, AppType
from apps.catalog.services import (
    app_banner_add,
    app_create,
    app_list_in_catalog,
    app_listing_update,
    app_logo_set,
    version_create,
    version_publish,
    version_submit,
)
from apps.demo.people import ACCOUNT, DEVELOPER, DemoCommand, demo_approve, demo_people


def _scope(code: str, level: str, reason: str) -> dict[str, str]:
    return {"code": code, "level": level, "reason": reason}


def _manifest(number: str, host: str, **parts: Any) -> str:
    data: dict[str, Any] = {
        "manifest_version": 1,
        "version": number,
        "authorization": "account",
        "redirect_uris": [f"https://{host}/oauth/callback"],
        **parts,
    }
    return json.dumps(data, indent=2)


INVOICER_HOST = "invoicer.devstudio.example.com"
INVOICER_SCOPES = [
    _scope("crm.accounts", "read", "Shows the customer on each invoice."),
    _scope("fin.invoices", "full", "Creates and updates invoices from won deals."),
]
INVOICER_WEBHOOKS = [
    {
        "id": "invoice-updated",
        "event": "fin.invoices.updated",
        "url": f"https://{INVOICER_HOST}/hooks/invoices",
    }
]
INVOICER_EMBEDDINGS = [
    {
        "id": "invoice-card",
        "location": "fin.invoice.card",
        "code": "invoicer.card",
        "url": f"https://{INVOICER_HOST}/embed/invoice",
        "title": "Invoicer",
    }
]
INVOICER_V1 = _manifest(
    "1.0.0",
    INVOICER_HOST,
    scopes=INVOICER_SCOPES,
    webhooks=INVOICER_WEBHOOKS,
    embeddings=INVOICER_EMBEDDINGS,
)
INVOICER_V11 = _manifest(
    "1.1.0",
    INVOICER_HOST,
    scopes=[
        *INVOICER_SCOPES,
        _scope("crm.deals", "read", "Turns won deals into invoices."),
        _scope("task", "full", "Creates a follow-up task for each overdue invoice."),
    ],
    webhooks=[
        *INVOICER_WEBHOOKS,
        {
            "id": "deal-updated",
            "event": "crm.leads.updated",
            "url": f"https://{INVOICER_HOST}/hooks/deals",
        },
    ],
    embeddings=INVOICER_EMBEDDINGS,
)
TIMESHEETS_HOST = "timesheets.devstudio.example.com"
TIMESHEETS_V1 = _manifest(
    "1.0.0",
    TIMESHEETS_HOST,
    scopes=[
        _scope("timetracker", "full", "Records the hours each person logs."),
        _scope("task", "read", "Lets people pick the task they worked on."),
    ],
    embeddings=[
        {
            "id": "menu",
            "location": "main_menu",
            "code": "timesheets.home",
            "url": f"https://{TIMESHEETS_HOST}/embed/home",
            "title": "Timesheets",
        }
    ],
)
HELPDESK_HOST = "helpdesk.devstudio.example.com"
HELPDESK_V1 = _manifest(
    "1.0.0",
    HELPDESK_HOST,
    scopes=[
        _scope("crm.accounts", "read", "Matches each ticket to its customer."),
        _scope("task", "full", "Opens a task for every escalated ticket."),
    ],
    webhooks=[
        {
            "id": "task-updated",
            "event": "task.task.updated",
            "url": f"https://{HELPDESK_HOST}/hooks/tasks",
        }
    ],
    embeddings=[
        {
            "id": "account-card",
            "location": "crm.account.card",
            "code": "helpdesk.card",
            "url": f"https://{HELPDESK_HOST}/embed/account",
            "title": "Tickets",
        }
    ],
)


def _png(width: int, height: int, *, label: str) -> io.BytesIO:
    """A simple generated image: a coloured background with a light panel and a label."""
    image = Image.new("RGB", (width, height), (37, 99, 235))
    draw = ImageDraw.Draw(image)
    margin = min(width, height) // 6
    draw.rounded_rectangle(
        (margin, margin, width - margin, height - margin),
        radius=margin // 2,
        fill=(239, 246, 255),
    )
    draw.text((width // 2, height // 2), label, fill=(30, 64, 175), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    buffer.seek(0)
    buffer.name = "demo.png"
    return buffer


class Command(DemoCommand):
    help = "Create the catalog demo apps of the devstudio account (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        account, developer, moderator = demo_people(force=force)
        dev = actor_for_user(user=developer)
        lines = [
            self._invoicer(account, dev, moderator),
            self._timesheets(account, dev),
            self._helpdesk(account, dev),
        ]
        self.stdout.write(f"Demo apps of {ACCOUNT} (developer {DEVELOPER}):")
        for name, what in lines:
            self.stdout.write(f"  {name:<17} {what}")

    def _existing(self, account: Account, name: str) -> App | None:
        return App.objects.filter(account=account, name=name).first()

    def _invoicer(self, account: Account, dev: Actor, moderator: User) -> tuple[str, str]:
        name = "Invoicer"
        if self._existing(account, name):
            return name, "exists, left as it is"
        app, _secret = app_create(account=account, name=name, type=AppType.PUBLIC, actor=dev)
        app_listing_update(
            app=app,
            summary="Invoices from won deals, sent and followed up for you.",
            description=(
                "Invoicer turns every won deal into an invoice, shows the customer on it and "
                "reminds your team when a payment is late.\n\n"
                "Install it, pick which roles may use it, and invoices appear on their own."
            ),
            support_email="support@devstudio.test",
            support_url="https://devstudio.example.com/invoicer/help",
        )
        app_logo_set(app=app, upload=_png(256, 256, label="Invoicer"))
        app_banner_add(app=app, upload=_png(1600, 800, label="Invoices from won deals"))
        first = version_create(
            app=app, raw=INVOICER_V1, changelog="First release: invoices from deals.", actor=dev
        )
        version_submit(version=first, actor=dev)
        # Reviewed the way a moderator does it in the queue, so the review record exists.
        demo_approve(version=first, moderator=moderator)
        version_publish(version=first, actor=dev)
        app_list_in_catalog(app=app)
        second = version_create(
            app=app,
            raw=INVOICER_V11,
            changelog="Invoices straight from won deals; follow-up tasks for overdue invoices.",
            actor=dev,
        )
        version_submit(version=second, actor=dev)
        return name, "public, listed: 1.0.0 published, 1.1.0 waiting in the moderation queue"

    def _timesheets(self, account: Account, dev: Actor) -> tuple[str, str]:
        name = "Team Timesheets"
        if self._existing(account, name):
            return name, "exists, left as it is"
        app, _secret = app_create(account=account, name=name, type=AppType.PRIVATE, actor=dev)
        version = version_create(app=app, raw=TIMESHEETS_V1, changelog="First release.", actor=dev)
        version_publish(version=version, actor=dev)
        return name, "private: 1.0.0 published"

    def _helpdesk(self, account: Account, dev: Actor) -> tuple[str, str]:
        name = "Helpdesk Bridge"
        if self._existing(account, name):
            return name, "exists, left as it is"
        app, _secret = app_create(account=account, name=name, type=AppType.PUBLIC, actor=dev)
        version_create(
            app=app, raw=HELPDESK_V1, changelog="First release: tickets become tasks.", actor=dev
        )
        return name, "public: 1.0.0 draft, ready to submit"
