"""Notes Sync's backend as a WSGI app: one page, three steps.

1. **Connect to the marketplace** (``/connect``): an ordinary authorization request with
   its own ``state`` and a PKCE challenge (``examples.connector.oauth``); the callback
   exchanges the code for an app token of the installation.
2. ``GET /api/v1/connection`` with that token **and** the app's client id and secret
   (``X-Client-Id``, ``X-Client-Secret``): the installation's parameters and the outside
   service's current access token, which the marketplace refreshes before it expires.
3. ``GET <provider>/api/me`` with the outside token: the user's notes.

Tokens live in memory, per browser (a cookie), and never appear on the page or in a log
line; the page shows them shortened.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import requests

from examples.connector.config import Config, masked
from examples.connector.oauth import (
    TIMEOUT,
    ApiAnswer,
    MarketplaceClient,
    OAuthFailure,
    StateStore,
    authorize_url,
)

COOKIE = "notes_session"
StartResponse = Callable[..., Any]
Answer = tuple[str, list[tuple[str, str]], str]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Notes Sync (demo backend)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}}
pre{{background:#f4f4f4;padding:.75rem;overflow-x:auto;white-space:pre-wrap}}
.bad{{color:#a00}} .good{{color:#070}}</style></head>
<body><h1>Notes Sync</h1><p><em>The demo app's backend.</em></p>{body}</body></html>"""


@dataclass(frozen=True)
class Step:
    """One call the page shows: what was called, its status and its (masked) answer."""

    title: str
    status: int
    body: Any


class NotesBackend:
    def __init__(
        self, config: Config, provider_url: str, http: requests.Session | None = None
    ) -> None:
        self.config = config
        self.provider_url = provider_url.rstrip("/")
        self.http = http or requests.Session()
        self.marketplace = MarketplaceClient(config, self.http)
        self.states = StateStore()
        self.tokens: dict[str, str] = {}  # browser session -> the marketplace access token
        self.lock = threading.Lock()

    # --- WSGI ---------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        session, new = self._session(environ)
        path = environ.get("PATH_INFO", "/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        routes: dict[str, Callable[[], Answer]] = {
            "/": lambda: self.home(session),
            "/connect": lambda: self.connect(session),
            "/oauth/callback": lambda: self.callback(session, query),
            "/disconnect": lambda: self.forget(session),
            "/healthz": lambda: ("200 OK", [("Content-Type", "text/plain")], "ok"),
        }
        handler = routes.get(path)
        if handler is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            status, headers, text = "404 Not Found", [], PAGE.format(body="<p>Not here.</p>")
        else:
            status, headers, text = handler()
        headers = [("Content-Type", "text/html; charset=utf-8"), *headers]
        if new:
            headers.append(("Set-Cookie", f"{COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax"))
        start_response(status, headers)
        return [text.encode()]

    @staticmethod
    def _session(environ: dict[str, Any]) -> tuple[str, bool]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        if COOKIE in cookie and cookie[COOKIE].value:
            return cookie[COOKIE].value, False
        return secrets.token_urlsafe(24), True

    # --- pages --------------------------------------------------------------------------

    def connect(self, session: str) -> Answer:
        pending = self.states.begin(session)
        return "302 Found", [("Location", authorize_url(self.config, pending))], ""

    def callback(self, session: str, query: dict[str, str]) -> Answer:
        pending = self.states.finish(session, query.get("state", ""))
        if pending is None:
            return self._page(
                '<p class="bad" id="refused">This answer does not belong to an authorization '
                'this browser started. <a href="/connect">Connect again</a>.</p>',
                status="400 Bad Request",
            )
        if query.get("error") or not query.get("code"):
            error = html.escape(query.get("error", "no code"))
            return self._page(f'<p class="bad" id="refused">Not connected: {error}.</p>')
        try:
            tokens = self.marketplace.exchange(query["code"], pending.verifier)
        except (OAuthFailure, requests.RequestException) as exc:
            return self._page(f'<p class="bad" id="refused">{html.escape(str(exc))}</p>')
        with self.lock:
            self.tokens[session] = str(tokens["access_token"])
        return "302 Found", [("Location", "/")], ""

    def forget(self, session: str) -> Answer:
        with self.lock:
            self.tokens.pop(session, None)
        return "302 Found", [("Location", "/")], ""

    def home(self, session: str) -> Answer:
        token = self.tokens.get(session)
        if token is None:
            return self._page(
                "<p>Not connected to the marketplace yet.</p>"
                '<p><a href="/connect" id="connect">Connect to the marketplace</a> (sign in '
                "as an admin of an account where Notes Sync is installed).</p>"
            )
        steps = self.read_notes(token)
        return self._page(
            "".join(_step_html(step) for step in steps)
            + '<p><a href="/" id="again">Read again</a> · '
            '<a href="/disconnect">Forget the marketplace token</a></p>'
        )

    # --- the calls ----------------------------------------------------------------------

    def read_notes(self, token: str) -> list[Step]:
        """The connection from the marketplace, then the provider's ``/api/me`` with the
        outside token it holds (when it is connected)."""
        connection = self._connection(token)
        steps = [Step("Marketplace: GET /api/v1/connection", connection.status, connection.body)]
        body = connection.body if isinstance(connection.body, dict) else {}
        outside = body.get("access_token")
        if not connection.ok or not outside:
            return steps
        try:
            answer = self.http.get(
                f"{self.provider_url}/api/me",
                headers={"Authorization": f"{body.get('token_type') or 'Bearer'} {outside}"},
                timeout=TIMEOUT,
            )
            me: Any = (
                answer.json()
                if answer.headers.get("content-type", "").startswith("application/json")
                else answer.text[:2000]
            )
            steps.append(Step("Example Provider: GET /api/me", answer.status_code, me))
        except requests.RequestException as exc:
            steps.append(Step("Example Provider: GET /api/me", 0, str(exc)))
        return steps

    def _connection(self, token: str) -> ApiAnswer:
        response = self.http.get(
            self.config.endpoint("/api/v1/connection"),
            headers={
                "Authorization": f"Bearer {token}",
                "X-Client-Id": self.config.client_id,
                "X-Client-Secret": self.config.client_secret,
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
        )
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:2000]
        return ApiAnswer(status=response.status_code, body=body)

    @staticmethod
    def _page(body: str, status: str = "200 OK") -> Answer:
        return status, [("Cache-Control", "no-store")], PAGE.format(body=body)


def _shown(body: Any) -> Any:
    """The answer as the page shows it: the outside access token shortened."""
    if not isinstance(body, dict):
        return body
    shown = dict(body)
    if shown.get("access_token"):
        shown["access_token"] = masked(str(shown["access_token"]))
    return shown


def _step_html(step: Step) -> str:
    good = 200 <= step.status < 300
    state = ""
    if isinstance(step.body, dict) and "state" in step.body:
        value = html.escape(str(step.body["state"]))
        state = f' · state <strong id="connection-state">{value}</strong>'
    text = json.dumps(_shown(step.body), indent=2, default=str)
    return (
        f'<section class="step" data-status="{step.status}"><h2>{html.escape(step.title)}</h2>'
        f'<p class="{"good" if good else "bad"}">Status {step.status}{state}</p>'
        f"<pre>{html.escape(text)}</pre></section>"
    )
