"""The example provider's pages, as one WSGI application.

========================  ==========================================================
``GET /``                 the signed-in user's page: the apps that hold a grant, with
                          a button to withdraw each one's access
``GET /authorize``        the consent page of an authorization request (PKCE required)
``POST /authorize``       Allow (a code back to the client) or Deny (``access_denied``)
``POST /token``           code exchange and refresh (client_secret_basic or _post)
``POST /revoke``          token revocation (RFC 7009)
``POST /grants/revoke``   withdraw a client's access (what "Remove access" does)
``GET /api/me``           the OAuth API endpoint: who the token is for, and their notes
``GET /api/ping``         an API-key endpoint (``X-Api-Key``), for generic connections
``GET /healthz``          ``ok``
========================  ==========================================================

There is one user, ``demo``, always signed in: the example is about the OAuth
exchange, not about logging in.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode

from oauthlib.oauth2 import OAuth2Error, WebApplicationServer
from oauthlib.oauth2.rfc6749.endpoints import RevocationEndpoint

from examples.provider.store import Store
from examples.provider.validator import Validator

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Answer = tuple[int, dict[str, str], str]
NOTES = ["Call the bank", "Renew the domain", "Write the quarterly report"]
MAX_BODY = 64 * 1024
STATUS = {
    200: "200 OK",
    302: "302 Found",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
}

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"""


class ProviderApp:
    def __init__(
        self, store: Store, *, access_seconds: int = 3600, api_key: str = "demo-api-key"
    ) -> None:
        self.store = store
        self.api_key = api_key
        validator = Validator(store)
        self.server = WebApplicationServer(validator, token_expires_in=access_seconds)
        self.revocation = RevocationEndpoint(validator)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/")
        uri = self._uri(environ)
        body = self._body(environ) if method == "POST" else ""
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if "CONTENT_TYPE" in environ:
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        status, out_headers, text = self.route(method, path, uri, body, headers)
        out_headers.setdefault("Content-Type", "text/html; charset=utf-8")
        out_headers["Cache-Control"] = "no-store"
        data = text.encode()
        out_headers["Content-Length"] = str(len(data))
        start_response(STATUS.get(status, f"{status} Status"), list(out_headers.items()))
        return [data]

    @staticmethod
    def _uri(environ: dict[str, Any]) -> str:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        query = environ.get("QUERY_STRING", "")
        return f"http://{host}{environ.get('PATH_INFO', '/')}" + (f"?{query}" if query else "")

    @staticmethod
    def _body(environ: dict[str, Any]) -> str:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        return environ["wsgi.input"].read(length).decode("utf-8", errors="replace")

    def route(self, method: str, path: str, uri: str, body: str, headers: dict[str, str]) -> Answer:
        routes: dict[tuple[str, str], Callable[[], Answer]] = {
            ("GET", "/"): self.home,
            ("GET", "/healthz"): lambda: (200, {"Content-Type": "text/plain"}, "ok"),
            ("GET", "/authorize"): lambda: self.consent(uri),
            ("POST", "/authorize"): lambda: self.decide(uri, body),
            ("POST", "/token"): lambda: self.oauth(
                self.server.create_token_response, uri, body, headers
            ),
            ("POST", "/revoke"): lambda: self.oauth(
                self.revocation.create_revocation_response, uri, body, headers
            ),
            ("POST", "/grants/revoke"): lambda: self.withdraw(body),
            ("GET", "/api/me"): lambda: self.me(uri, headers),
            ("GET", "/api/ping"): lambda: self.ping(headers),
        }
        handler = routes.get((method, path))
        if handler is None:
            known = {p for _, p in routes}
            return (405 if path in known else 404), {}, PAGE.format(title="Not here", body="")
        return handler()

    def home(self) -> Answer:
        grants = self.store.live_grants()
        rows = "".join(
            f'<li data-client="{html.escape(cid)}">{html.escape(cid)}: {n} live token(s) '
            f'<form method="post" action="/grants/revoke" style="display:inline">'
            f'<input type="hidden" name="client_id" value="{html.escape(cid)}">'
            f'<button type="submit" id="remove-access">Remove access</button></form></li>'
            for cid, n in grants.items()
        )
        listing = rows or "<li>None.</li>"
        body = f"<p>Signed in as <b>demo</b>.</p><h2>Apps with access</h2><ul>{listing}</ul>"
        return 200, {}, PAGE.format(title="Example Provider", body=body)

    def consent(self, uri: str) -> Answer:
        try:
            scopes, info = self.server.validate_authorization_request(uri, "GET", "", {})
        except OAuth2Error as exc:
            return (
                400,
                {},
                PAGE.format(
                    title="Invalid request", body=html.escape(exc.description or exc.error)
                ),
            )
        query = uri.split("?", 1)[1] if "?" in uri else ""
        body = (
            f"<p><b>{html.escape(info['client_id'])}</b> asks to access your account: "
            f"{html.escape(', '.join(scopes))}.</p>"
            f'<form method="post" action="/authorize?{html.escape(query)}">'
            '<button type="submit" name="decision" value="allow" id="allow">Allow</button> '
            '<button type="submit" name="decision" value="deny" id="deny">Deny</button></form>'
        )
        return 200, {}, PAGE.format(title="Example Provider: authorize", body=body)

    def decide(self, uri: str, body: str) -> Answer:
        decision = parse_qs(body).get("decision", [""])[0]
        try:
            scopes, info = self.server.validate_authorization_request(uri, "GET", "", {})
        except OAuth2Error as exc:
            return (
                400,
                {},
                PAGE.format(
                    title="Invalid request", body=html.escape(exc.description or exc.error)
                ),
            )
        if decision != "allow":
            params = {"error": "access_denied", "error_description": "The user denied access."}
            if info.get("state"):
                params["state"] = info["state"]
            return 302, {"Location": f"{info['redirect_uri']}?{urlencode(params)}"}, ""
        headers, text, status = self.server.create_authorization_response(
            uri, "GET", "", {}, scopes, {"user": "demo"}
        )
        return status, dict(headers), text or ""

    def oauth(
        self, create: Callable[..., Any], uri: str, body: str, headers: dict[str, str]
    ) -> Answer:
        out, text, status = create(uri.split("?", 1)[0], "POST", body, headers)
        merged = dict(out)
        merged.setdefault("Content-Type", "application/json")
        return status, merged, text or ""

    def withdraw(self, body: str) -> Answer:
        client_id = parse_qs(body).get("client_id", [""])[0]
        self.store.revoke_client(client_id)
        return 302, {"Location": "/"}, ""

    def me(self, uri: str, headers: dict[str, str]) -> Answer:
        valid, request = self.server.verify_request(uri, "GET", "", headers, scopes=["profile"])
        if not valid:
            return (
                401,
                {
                    "Content-Type": "application/json",
                    "WWW-Authenticate": 'Bearer error="invalid_token"',
                },
                json.dumps({"error": "invalid_token"}),
            )
        notes = NOTES if "notes:read" in request.scopes else []
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"user": request.user, "notes": notes}),
        )

    def ping(self, headers: dict[str, str]) -> Answer:
        """The API-key endpoint, for connections of type generic: ``X-Api-Key``."""
        if headers.get("X-Api-Key") != self.api_key:
            return 401, {"Content-Type": "application/json"}, json.dumps({"error": "bad_key"})
        return 200, {"Content-Type": "application/json"}, json.dumps({"pong": True})
