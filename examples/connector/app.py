"""The connector's pages, as one WSGI application.

========================  ==========================================================
``GET /``                 home: connect button, or the connection and the API answers
``GET /connect``          start an authorization (state + PKCE S256, no ``scope``)
``GET /oauth/install``    the install start URL: an install started on the marketplace
                          arrives here (iss, account, version) and starts our own flow
``GET /oauth/callback``   the redirect URI: code (with or without our state) or error
``POST /refresh``         refresh the access token
``POST /disconnect``      revoke the tokens and forget them
``GET /embed``            the page the marketplace shows in its ``main_menu`` frame,
                          once its launch token is verified (``embedded``, ``launch``)
``GET /embed/account``    the CRM account card (``crm.account.card``): the account's
                          contacts through the SDK, once its launch token is verified
                          and names the account (``card``)
``GET /embed/whoami``     who a fresh launch token says opened the page (the SDK's)
``GET /embed/dialog``     the page of the marketplace's modal
``POST /hooks/<name>``    webhook deliveries, verified with ``standardwebhooks``
                          (``webhooks.py``); unverified ones are refused with 401
``GET /hooks``            the deliveries received (also listed on home)
``GET /healthz``          ``ok``, for whoever starts the process
========================  ==========================================================

``customers.py`` adds ``GET /customers`` and ``POST /customers/task`` (CRM accounts and
follow-up tasks through the App API).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from examples.connector import customers
from examples.connector.card import CARD_PATH, account_card_page
from examples.connector.config import CALLBACK_PATH, INSTALL_PATH, Config, masked
from examples.connector.embedded import dialog_page, embed_page, whoami
from examples.connector.launch import LaunchVerifier
from examples.connector.oauth import (
    ApiAnswer,
    MarketplaceClient,
    OAuthFailure,
    StateStore,
    authorize_url,
)
from examples.connector.tokens import Connection, TokenStore
from examples.connector.webhooks import Inbox, headers_of

log = logging.getLogger("connector")

COOKIE = "connector_sid"  # not "sessionid": the marketplace on localhost uses that one
MAX_BODY = 64 * 1024

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Response:
    status: int = 200
    body: str = ""
    headers: list[tuple[str, str]] | None = None
    content_type: str = "text/html; charset=utf-8"


def redirect(location: str, status: int = 303) -> Response:
    return Response(status=status, headers=[("Location", location)])


class ConnectorApp:
    def __init__(
        self,
        config: Config,
        *,
        client: MarketplaceClient | None = None,
        states: StateStore | None = None,
        verifier: LaunchVerifier | None = None,
    ) -> None:
        self.config = config
        self.verifier = verifier or LaunchVerifier(config)
        self.client = client or MarketplaceClient(config)
        self.states = states or StateStore()
        self.tokens = TokenStore(config.token_file)
        self.inbox = Inbox(config.webhook_secret)
        self.notices: dict[str, str] = {}  # per browser: one message for the next home page
        self._csrf_key = secrets.token_bytes(32)

    # --- WSGI ------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sid, new_cookie = self._session(environ)
        try:
            response = self.dispatch(environ, sid)
        except requests.RequestException as exc:
            log.warning("marketplace unreachable: %s", type(exc).__name__)
            response = self.page(
                "Marketplace unreachable",
                f"<p>The marketplace at <code>{_e(self.config.marketplace_url)}</code> did not "
                f"answer ({_e(type(exc).__name__)}). Is it running?</p>"
                '<p><a href="/">Back</a></p>',
                status=502,
            )
        headers = [
            ("Content-Type", response.content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            # The callback's address carries the code: never send it on as a Referer.
            ("Referrer-Policy", "no-referrer"),
            ("Content-Security-Policy", f"frame-ancestors {self._frame_ancestors(environ)}"),
        ]
        headers += response.headers or []
        if new_cookie:
            headers.append(("Set-Cookie", f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"))
        body = response.body.encode("utf-8")
        headers.append(("Content-Length", str(len(body))))
        status = HTTPStatus(response.status)
        start_response(f"{status.value} {status.phrase}", headers)
        return [body]

    def _frame_ancestors(self, environ: dict[str, Any]) -> str:
        """Only the embedded page may be framed, and only by the marketplace; the others
        (with their Refresh and Disconnect buttons) by nobody, against clickjacking."""
        if environ.get("PATH_INFO") in ("/embed", "/embed/dialog", CARD_PATH):
            parts = urlsplit(self.config.marketplace_url)
            return f"{parts.scheme}://{parts.netloc}"
        return "'none'"

    def _session(self, environ: dict[str, Any]) -> tuple[str, bool]:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookie.get(COOKIE)
        if morsel is not None and len(morsel.value) >= 32:
            return morsel.value, False
        return secrets.token_urlsafe(32), True

    def dispatch(self, environ: dict[str, Any], sid: str) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        routes: dict[tuple[str, str], Callable[[], Response]] = {
            ("GET", "/"): lambda: self.home(sid),
            ("GET", "/connect"): lambda: self.connect(sid),
            ("GET", INSTALL_PATH): lambda: self.install(sid, query),
            ("GET", CALLBACK_PATH): lambda: self.callback(sid, query),
            ("GET", "/embed"): lambda: self.embed(query),
            ("GET", "/embed/dialog"): lambda: self.page(*dialog_page(self.config)[1:]),
            ("GET", CARD_PATH): lambda: self.card(query),
            ("GET", "/embed/whoami"): lambda: self.whoami(environ),
            ("GET", "/healthz"): lambda: Response(body="ok", content_type="text/plain"),
            ("GET", "/customers"): lambda: customers.customers(self, sid, query),
            ("GET", "/hooks"): lambda: self.page("Webhook deliveries", self.inbox.html(full=True)),
        }
        posts: dict[str, Callable[[dict[str, str]], Response]] = {
            "/refresh": lambda form: self.refresh(sid),
            "/disconnect": lambda form: self.disconnect(sid),
            "/customers/task": lambda form: customers.task_create(self, sid, form),
        }
        if method == "POST" and path.startswith("/hooks/"):
            return self.webhook(environ)
        if method == "POST" and path in posts:
            form = _form(environ)
            if not hmac.compare_digest(form.get("csrf", ""), self.csrf_token(sid)):
                return self.page(
                    "Refused",
                    '<p>This form is stale or came from another site. <a href="/">Reload</a>.</p>',
                    status=403,
                )
            return posts[path](form)
        handler = routes.get((method, path))
        if handler is not None:
            return handler()
        if any(p == path for _m, p in routes) or path in posts:
            return Response(status=405, body="Method not allowed", content_type="text/plain")
        return Response(status=404, body="Not found", content_type="text/plain")

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._csrf_key, sid.encode(), hashlib.sha256).hexdigest()

    # --- pages -----------------------------------------------------------------------------

    def connect(self, sid: str) -> Response:
        pending = self.states.begin(sid)
        return redirect(authorize_url(self.config, pending), status=302)

    def install(self, sid: str, query: dict[str, str]) -> Response:
        """The manifest's ``install_start_url``: the marketplace sends the browser here to
        install (catalog, install link), naming itself in ``iss``. We start an ordinary
        authorization, with our own state and PKCE, for the account and version it names,
        so every callback we accept answers a flow we started."""
        issuer = query.get("iss", "").rstrip("/")
        if issuer != self.config.marketplace_url:
            # Only the marketplace this connector is registered with may start it.
            return self.page(
                "Wrong issuer",
                f"<p>This install was started by <code>{_e(issuer or 'nobody')}</code>, not "
                f"the marketplace this connector uses (<code>{_e(self.config.marketplace_url)}"
                "</code>).</p>",
                status=400,
            )
        pending = self.states.begin(sid)
        return redirect(authorize_url(self.config, pending, query), status=302)

    def callback(self, sid: str, query: dict[str, str]) -> Response:
        state = query.get("state", "")
        pending = self.states.finish(sid, state) if state else None
        if state and pending is None:
            return self.page(
                "Authorization not recognised",
                "<p>This answer does not match an authorization started from this browser, or "
                "it came back too late (after 10 minutes) or twice.</p>"
                '<p><a href="/connect">Start again</a></p>',
                status=400,
            )
        error = query.get("error")
        if error in ("user_denied", "access_denied"):
            # RFC 6749's answer to Cancel on the consent screen or the account picker, and
            # to "Back" from a page refusing the user (no access, ask an admin).
            return self.page(
                "Not connected",
                "<p>The marketplace did not connect this connector: nothing was installed or "
                "shared, and the connector holds no access.</p>"
                f'<p class="muted">{_e(query.get("error_description", ""))}</p>'
                '<p><a class="button" href="/connect">Connect to the marketplace</a></p>',
            )
        if error:
            return self.page(
                "The marketplace refused",
                f"<p><code>{_e(error)}</code>: {_e(query.get('error_description', ''))}</p>"
                '<p><a href="/connect">Try again</a></p>',
                status=400,
            )
        issuer = query.get("iss", "").rstrip("/")
        # RFC 9207: when we sent the browser, the answer must come from where we sent it.
        if pending is not None and issuer and issuer != self.config.marketplace_url:
            return self.page(
                "Wrong issuer",
                f"<p>The answer names the issuer <code>{_e(issuer)}</code>, not the marketplace "
                f"this connector uses (<code>{_e(self.config.marketplace_url)}</code>).</p>",
                status=400,
            )
        code = query.get("code", "")
        account = query.get("account", "")
        if not code:
            return self.page(
                "No authorization code",
                "<p>The callback carries neither <code>code</code> nor <code>error</code>.</p>",
                status=400,
            )
        # Our own flow: prove it with the PKCE verifier. A marketplace-started install (from
        # the catalog or an install link) sends no state and no challenge: the client
        # secret alone authenticates the exchange.
        try:
            body = self.client.exchange(code, pending.verifier if pending else None)
        except OAuthFailure as failure:
            return self.page(
                "Could not get a token",
                f"<p>The token endpoint answered <code>{_e(failure.error)}</code>: "
                f"{_e(failure.description)}</p>"
                "<p>Codes are valid for one minute and only once. "
                '<a href="/connect">Start again</a>.</p>',
                status=400,
            )
        # The callback's ``account`` is only a query parameter: anyone can send the browser
        # here with their own code and another account's slug. The account a token acts on
        # is the one the marketplace names for it.
        try:
            confirmed = self._token_account(body)
        except OAuthFailure as failure:
            confirmed, problem = "", f"{failure.error} {failure.description}".strip()
        else:
            problem = "" if confirmed else "the token is not active"
        if not confirmed or (account and account != confirmed):
            self._revoke(body)
            detail = (
                f"The callback names the account <code>{_e(account)}</code>, but the code was "
                f"issued for <code>{_e(confirmed)}</code>."
                if confirmed
                else f"The marketplace did not confirm the token ({_e(problem)})."
            )
            return self.page(
                "Authorization not recognised",
                f"<p>{detail} The tokens were revoked and nothing was kept.</p>"
                '<p><a href="/connect">Start again</a></p>',
                status=400,
            )
        account = confirmed
        with self.tokens.lock:
            self.tokens.save(Connection.from_token_response(body, account=account))
        log.info("connected to account %s (scope %s)", account, body.get("scope", ""))
        self.notices[sid] = "Connected." if pending else "Installed from the marketplace."
        return redirect("/")

    def _token_account(self, body: dict[str, Any]) -> str:
        """The account the marketplace says a new access token acts on ("" if inactive)."""
        info = self.client.introspect(str(body.get("access_token", "")))
        return str(info.get("account") or "") if info.get("active") is True else ""

    def _revoke(self, body: dict[str, Any]) -> None:
        if body.get("refresh_token"):
            self.client.revoke(str(body["refresh_token"]), "refresh_token")
        if body.get("access_token"):
            self.client.revoke(str(body["access_token"]), "access_token")

    def refresh(self, sid: str) -> Response:
        with self.tokens.lock:
            connection = self.tokens.load()
            if connection is None:
                self.notices[sid] = "Not connected: nothing to refresh."
                return redirect("/")
            self.notices[sid] = self._refresh(connection)[1]
        return redirect("/")

    def _refresh(self, connection: Connection) -> tuple[Connection | None, str]:
        """Refresh under the store's lock; forget the connection when the grant is gone."""
        try:
            body = self.client.refresh(connection.refresh_token)
        except OAuthFailure as failure:
            if failure.error == "invalid_grant":
                self.tokens.forget()
                return None, (
                    f"The refresh token no longer works ({failure.description or 'invalid_grant'})"
                    ". Connect again."
                )
            return connection, f"Refresh refused: {failure.error} {failure.description}"
        renewed = Connection.from_token_response(
            body, account=connection.account, connected_at=connection.connected_at
        )
        self.tokens.save(renewed)
        log.info("refreshed the access token of account %s", connection.account)
        return renewed, "Token refreshed: a new access token and a new refresh token."

    def disconnect(self, sid: str) -> Response:
        with self.tokens.lock:
            connection = self.tokens.load()
            if connection is not None:
                # Revoking the refresh token revokes its access token too; the access token
                # first in case the refresh token is already spent.
                self.client.revoke(connection.access_token, "access_token")
                if connection.refresh_token:
                    self.client.revoke(connection.refresh_token, "refresh_token")
                self.tokens.forget()
                log.info("disconnected from account %s", connection.account)
        self.notices[sid] = "Disconnected: the tokens are revoked and forgotten."
        return redirect("/")

    def connection(self) -> Connection | None:
        """The connection, refreshed first when its access token has expired (``None``
        when there is none, or its grant is gone)."""
        return self._current()[0]

    def _current(self) -> tuple[Connection | None, str]:
        with self.tokens.lock:
            connection = self.tokens.load()
            if connection is not None and connection.expired:
                return self._refresh(connection)
        return connection, ""

    def home(self, sid: str) -> Response:
        notice = self.notices.pop(sid, "")
        connection, refreshed = self._current()
        notice = refreshed or notice
        parts = [f'<p class="notice">{_e(notice)}</p>' if notice else ""]
        if connection is None:
            parts.append(
                "<p>Not connected. The button sends you to the marketplace to sign in, choose "
                "the account and allow (and, the first time, install) the app.</p>"
                '<p><a class="button primary" href="/connect" id="connect">'
                "Connect to the marketplace</a></p>"
            )
        else:
            parts.append(self._connection_html(sid, connection))
        parts.append(self.inbox.html(full=False))
        return self.page("Example Connector", "".join(parts))

    def _connection_html(self, sid: str, connection: Connection) -> str:
        me = self.client.api_get("/api/v1/users/me", connection.access_token)
        users = self.client.api_get("/api/v1/users", connection.access_token)
        email = me.body.get("email", "") if me.ok and isinstance(me.body, dict) else ""
        expires = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(connection.expires_at))
        remaining = max(0, int(connection.expires_at - time.time()))
        csrf = _e(self.csrf_token(sid))
        return (
            '<dl class="facts">'
            f"<dt>Account</dt><dd><code id='account'>{_e(connection.account)}</code></dd>"
            f"<dt>User</dt><dd id='user'>{_e(email) or '(unknown: see below)'}</dd>"
            f"<dt>Scopes</dt><dd><code>{_e(connection.scope)}</code></dd>"
            f"<dt>Access token</dt><dd><code>{_e(masked(connection.access_token))}</code> "
            f"expires <span id='expires'>{expires}</span> (in {remaining // 60} min)</dd>"
            f"<dt>Refresh token</dt><dd><code>{_e(masked(connection.refresh_token))}</code>"
            "</dd></dl>"
            '<div class="actions">'
            '<form method="get" action="/"><button id="call">Call the API again</button></form>'
            f'<form method="post" action="/refresh"><input type="hidden" name="csrf" '
            f'value="{csrf}"><button id="refresh">Refresh the token</button></form>'
            f'<form method="post" action="/disconnect"><input type="hidden" name="csrf" '
            f'value="{csrf}"><button id="disconnect">Disconnect</button></form>'
            '<a class="button" href="/connect" id="reconnect">Connect as another user</a>'
            '<a class="button" href="/customers" id="customers">Customers and tasks</a>'
            "</div>"
            "<p class='hint'>The connector holds one connection at a time: connecting as "
            "another user (or to another account) replaces this one.</p>"
            + _answer_html("GET /api/v1/users/me", me, "me")
            + _answer_html("GET /api/v1/users", users, "users")
        )

    def embed(self, query: dict[str, str]) -> Response:
        """The page the marketplace frames: trusted only with a verified launch token
        (``embedded.embed_page``)."""
        connection = self.tokens.load()
        status = (
            f"Connected to <code>{_e(connection.account)}</code>."
            if connection
            else 'Not connected: open <a href="/" target="_top">the connector</a> to connect.'
        )
        code, title, content = embed_page(self.config, self.verifier, query, status)
        return self.page(title, content, status=code)

    def card(self, query: dict[str, str]) -> Response:
        """The CRM account card, trusted only with a verified launch token naming the
        account (``card.account_card_page``)."""
        code, title, content = account_card_page(self.config, self.verifier, query)
        return self.page(title, content, status=code)

    def whoami(self, environ: dict[str, Any]) -> Response:
        code, body = whoami(self.verifier, environ.get("HTTP_AUTHORIZATION", ""))
        return Response(status=code, body=json.dumps(body), content_type="application/json")

    def webhook(self, environ: dict[str, Any]) -> Response:
        status, why = self.inbox.receive(_body(environ), headers_of(environ))
        return Response(status=status, body=why, content_type="text/plain")

    def page(self, title: str, content: str, status: int = 200) -> Response:
        return Response(status=status, body=_layout(title, content, self.config))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _form(environ: dict[str, Any]) -> dict[str, str]:
    raw = _body(environ).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _answer_html(title: str, answer: ApiAnswer, anchor: str) -> str:
    verdict = "ok" if answer.ok else "refused"
    body = json.dumps(answer.body, indent=2) if not isinstance(answer.body, str) else answer.body
    return (
        f'<h2>{_e(title)} <span class="status {verdict}" id="{anchor}-status">'
        f"{answer.status}</span></h2><pre id='{anchor}-body'>{_e(body)}</pre>"
    )


def _layout(title: str, content: str, config: Config) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2rem auto;padding:0 1rem;
color:#1f2937}}
h1{{font-size:1.5rem}} h2{{font-size:1.1rem;margin-top:1.5rem}}
.facts{{display:grid;grid-template-columns:9rem 1fr;gap:.25rem 1rem}} .facts dt{{color:#6b7280}}
.facts dd{{margin:0}} pre{{background:#f3f4f6;padding:.75rem;overflow:auto;max-height:20rem}}
.actions{{display:flex;gap:.5rem;margin:1rem 0}} .actions form{{margin:0}}
.button,button{{display:inline-block;padding:.45rem .9rem;border:1px solid #2563eb;
border-radius:6px;background:#fff;color:#1d4ed8;text-decoration:none;cursor:pointer;font:inherit}}
.primary{{background:#2563eb;color:#fff}} .notice{{background:#eff6ff;padding:.5rem .75rem}}
.status{{font-size:.85rem;padding:.1rem .4rem;border-radius:4px}}
.ok{{background:#dcfce7}} .refused{{background:#fee2e2}} footer{{color:#6b7280;margin-top:2rem}}
.hint{{color:#6b7280;font-size:.9rem}}
</style></head>
<body><h1>{_e(title)}</h1>{content}
<footer>Marketplace: <code>{_e(config.marketplace_url)}</code> ·
client <code>{_e(config.client_id)}</code></footer></body></html>"""
