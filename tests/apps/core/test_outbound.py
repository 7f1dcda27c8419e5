"""Outbound HTTP: only public addresses unless allow-listed, checked on the address
connected to; no redirects; timeouts; capped answers; no secret in any log line.

A real HTTP server runs on loopback in a thread; the tests allow loopback through
``OUTBOUND_ALLOWED_NETWORKS`` where they need to reach it."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from apps.core.errors import OutboundFailure
from apps.core.outbound import (
    OutboundError,
    address_allowed,
    outbound_client_options,
    outbound_limits,
    outbound_request,
    safe_url,
)

SECRET = "sk-outbound-secret-4f9d2a"


class Handler(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        Handler.seen.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/big"):
            body = b"x" * 4096
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/trickle"):
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        else:
            body = b"hello\nsecond line\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture(autouse=True)
def _fresh():
    Handler.seen.clear()


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::",
        "2001:db8::1",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(settings, address):
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    assert address_allowed(ipaddress.ip_address(address), outbound_limits()) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(settings, address):
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    assert address_allowed(ipaddress.ip_address(address), outbound_limits()) is True


def test_an_allow_listed_network_is_allowed(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    limits = outbound_limits()

    assert address_allowed(ipaddress.ip_address("10.20.3.4"), limits) is True
    assert address_allowed(ipaddress.ip_address("10.21.3.4"), limits) is False


def test_loopback_is_refused_by_default_and_nothing_is_sent(settings, server):
    settings.OUTBOUND_ALLOWED_NETWORKS = []

    with pytest.raises(OutboundError) as caught:
        outbound_request("GET", f"{server}/ok")

    assert caught.value.failure == OutboundFailure.BLOCKED_ADDRESS
    assert Handler.seen == []


def test_the_check_is_on_the_address_a_name_resolves_to(settings, server, monkeypatch):
    """A public-looking name whose DNS answer is loopback (rebinding) is refused."""
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "api.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)

    with pytest.raises(OutboundError) as caught:
        outbound_request("GET", f"http://api.example.com:{port}/ok")

    assert caught.value.failure == OutboundFailure.BLOCKED_ADDRESS
    assert Handler.seen == []


def test_an_allow_listed_loopback_server_answers(loopback_allowed, server):
    response = outbound_request("GET", f"{server}/ok")

    assert response.status == 200
    assert response.text().splitlines() == ["hello", "second line"]
    assert response.elapsed_ms >= 0


def test_a_redirect_is_the_answer_not_followed(loopback_allowed, server):
    response = outbound_request("GET", f"{server}/redirect")

    assert response.status == 302
    assert Handler.seen == ["/redirect"]


def test_an_answer_over_the_limit_is_refused(loopback_allowed, server, settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000

    with pytest.raises(OutboundError) as caught:
        outbound_request("GET", f"{server}/big")

    assert caught.value.failure == OutboundFailure.TOO_LARGE


def test_the_whole_exchange_has_a_deadline(loopback_allowed, server, settings):
    settings.OUTBOUND_TIMEOUT = 1.0

    started = time.monotonic()
    with pytest.raises(OutboundError) as caught:
        outbound_request("GET", f"{server}/trickle")

    assert caught.value.failure == OutboundFailure.TIMEOUT
    assert time.monotonic() - started < 3


def test_an_unknown_host_and_a_closed_port_are_plain_failures(loopback_allowed):
    with pytest.raises(OutboundError) as unknown:
        outbound_request("GET", "https://no-such-host.invalid/x")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(OutboundError) as refused:
        outbound_request("GET", f"http://127.0.0.1:{port}/x")

    assert unknown.value.failure == OutboundFailure.UNRESOLVABLE
    assert refused.value.failure == OutboundFailure.CONNECT_FAILED


def test_only_http_urls_are_called():
    with pytest.raises(OutboundError) as caught:
        outbound_request("GET", "ftp://example.com/file")

    assert caught.value.failure == OutboundFailure.INVALID_URL


def test_a_client_for_authlib_follows_the_same_rules(settings, server):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    options = outbound_client_options()

    assert options["follow_redirects"] is False
    with httpx.Client(**options) as client, pytest.raises(OutboundError):
        client.get(f"{server}/ok")


def test_no_secret_reaches_a_log_line(loopback_allowed, server, caplog):
    caplog.set_level(logging.DEBUG)

    outbound_request(
        "GET", f"{server}/ok?api_key={SECRET}", headers={"Authorization": f"Bearer {SECRET}"}
    )
    with pytest.raises(OutboundError):
        outbound_request("GET", f"https://user:{SECRET}@no-such-host.invalid/?k={SECRET}")

    assert "outbound GET" in caplog.text
    assert SECRET not in caplog.text


def test_a_safe_url_keeps_only_scheme_host_and_path():
    assert safe_url(f"https://u:{SECRET}@api.example.com:8443/v1/me?k={SECRET}#x") == (
        "https://api.example.com:8443/v1/me"
    )
