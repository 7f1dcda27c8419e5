"""Webhook deliveries: every ``POST /hooks/...`` is verified with the ``standardwebhooks``
package (``v1``, the app's ``whsec_`` signing secret) before anything in it is believed;
``GET /hooks`` lists what was received: record changes, and the app events about its own
installation (``app.installed``, ``app.uninstalled``).

An unverified delivery (no secret configured, headers missing, a wrong signature, a
timestamp more than five minutes off) is answered ``401`` and only counted. A verified
one is answered ``204`` and kept (the last 20), deduplicated on ``webhook-id``: a retry or
a replay of a delivery already received is marked as such instead of listed twice.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

log = logging.getLogger("connector")

KEPT = 20


@dataclass
class Received:
    webhook_id: str
    type: str
    at: str
    summary: str
    payload: dict[str, Any]
    times: int = 1


@dataclass
class Inbox:
    """What the connector received, verified or refused."""

    secret: str
    received: OrderedDict[str, Received] = field(default_factory=OrderedDict)
    refused: int = 0
    last_refusal: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """Verify one delivery: ``(204, "")`` when kept, ``(401, why)`` when refused."""
        if not self.secret:
            return self._refuse("no signing secret configured (webhook_secret)")
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            return self._refuse(str(exc))
        except ValueError:
            return self._refuse("the body is not JSON")
        if not isinstance(payload, dict):
            return self._refuse("the body is not a JSON object")
        self._keep(headers.get("webhook-id", ""), payload)
        return 204, ""

    def _refuse(self, why: str) -> tuple[int, str]:
        with self.lock:
            self.refused += 1
            self.last_refusal = why
        log.warning("webhook delivery refused: %s", why)
        return 401, why

    def _keep(self, webhook_id: str, payload: dict[str, Any]) -> None:
        kind = str(payload.get("type") or "(no type)")[:100]
        with self.lock:
            known = self.received.pop(webhook_id, None)
            if known is not None:
                known.times += 1
                known.at = time.strftime("%H:%M:%S")
                self.received[webhook_id] = known
            else:
                self.received[webhook_id] = Received(
                    webhook_id, kind, time.strftime("%H:%M:%S"), _summary(payload), payload
                )
            while len(self.received) > KEPT:
                self.received.popitem(last=False)
        log.info("webhook delivery verified: %s %s", kind, webhook_id[:40])

    def newest(self) -> list[Received]:
        with self.lock:
            return list(reversed(self.received.values()))

    def html(self, *, full: bool) -> str:
        """The deliveries received, newest first (with their payloads when ``full``)."""
        items = self.newest()
        refused = (
            f"<p class='hint' id='hooks-refused'>{self.refused} refused (unverified); last: "
            f"{_e(self.last_refusal)}</p>"
            if self.refused
            else ""
        )
        if not self.secret:
            refused += (
                "<p class='hint' id='hooks-no-secret'>No signing secret configured: every "
                "delivery is refused. Copy it from the app's <em>Webhooks</em> page in the "
                "Developer Console into "
                "<code>webhook_secret</code> (<code>CONNECTOR_WEBHOOK_SECRET</code>).</p>"
            )
        if not items:
            return f"<h2>Webhook deliveries</h2><p id='hooks-none'>None received yet.</p>{refused}"
        rows = "".join(_row(item, full) for item in items)
        return (
            f"<h2>Webhook deliveries (signature verified)</h2><ul id='hooks'>{rows}</ul>{refused}"
        )


def headers_of(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers by their lower-case names, from a WSGI environ."""
    found = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        found["content-type"] = str(environ["CONTENT_TYPE"])
    return found


def _summary(payload: dict[str, Any]) -> str:
    data = payload.get("data")
    if not isinstance(data, dict):
        return ""
    if str(payload.get("type", "")).startswith("app."):
        return _app_summary(payload, data)
    record = data.get("record") if isinstance(data.get("record"), dict) else {}
    name = record.get("name") or record.get("email") or record.get("title") or ""
    changed = ", ".join(str(c) for c in data.get("changed") or [])
    text = f"#{data.get('id', '?')} {name}".strip()
    return f"{text} (changed: {changed})" if changed else text


def _app_summary(payload: dict[str, Any], data: dict[str, Any]) -> str:
    """An app event (``app.installed`` ...): the installation and the versions."""
    version = data.get("version") if isinstance(data.get("version"), dict) else {}
    before, after = version.get("from"), version.get("to")
    moved = f"{before} → {after}" if before and after else f"version {after or before or '?'}"
    account = payload.get("account_id", "?")
    return f"installation #{payload.get('installation_id', '?')} on account #{account}, {moved}"


def _row(item: Received, full: bool) -> str:
    again = f" · received {item.times} times" if item.times > 1 else ""
    payload = f"<pre>{_e(json.dumps(item.payload, indent=2))}</pre>" if full else ""
    return (
        f"<li class='hook'>{_e(item.at)} <code class='hook-type'>{_e(item.type)}</code> "
        f"{_e(item.summary)} <span class='status ok'>verified</span>{again}<br>"
        f"<small>webhook-id <code class='hook-id'>{_e(item.webhook_id)}</code></small>"
        f"{payload}</li>"
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
