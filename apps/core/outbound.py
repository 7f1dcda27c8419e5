"""Outbound HTTP: the one way the platform calls a server it does not run (an outside
service's token endpoint, a connection test, later webhook deliveries).

Every call goes through ``OutboundTransport`` (an httpx transport), which:

- connects only to public addresses: the host is resolved here and each address is
  checked **as it is connected to** (no second lookup a DNS rebinding could change), so
  private, loopback, link-local, shared, reserved, multicast and unspecified addresses
  are refused unless ``OUTBOUND_ALLOWED_NETWORKS`` lists them (a laptop's example
  provider, the tests' loopback servers);
- goes direct (no proxy from the environment) and never follows a redirect: a 3xx is
  the answer;
- limits the connection (``OUTBOUND_CONNECT_TIMEOUT``) and the whole exchange, from the
  request to the last byte read (``OUTBOUND_TIMEOUT``);
- stops reading an answer over ``OUTBOUND_MAX_RESPONSE_BYTES``.

It logs one line per call with the method, scheme, host and path, never a query string,
a header or a body (where tokens and keys travel); httpx's and httpcore's own loggers
are kept at WARNING by the settings for the same reason. Failures raise
``OutboundError`` with a stable ``failure`` code and a message in plain words that names
no secret.

``outbound_client_options()`` gives the arguments of an ``httpx.Client`` (or of
Authlib's ``OAuth2Client``, which is one) that follows these rules;
``outbound_request()`` sends one request and reads the answer within them.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from httpcore import ConnectError as CoreConnectError
from httpcore import ConnectTimeout as CoreConnectTimeout
from httpcore._backends.sync import SyncBackend, SyncStream

from apps.core.errors import OutboundFailure

logger = logging.getLogger("apps.outbound")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundError(Exception):
    """A call to an outside server failed or was refused before it was made."""

    def __init__(self, failure: OutboundFailure, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


@dataclass(frozen=True)
class OutboundLimits:
    connect_timeout: float
    total_timeout: float
    max_bytes: int
    allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def outbound_limits(
    *, connect_timeout: float | None = None, total_timeout: float | None = None
) -> OutboundLimits:
    """The limits in force, from the settings (read at each call: tests change them);
    a caller with tighter timeouts of its own (webhook deliveries) passes them."""
    return OutboundLimits(
        connect_timeout=float(
            settings.OUTBOUND_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        ),
        total_timeout=float(settings.OUTBOUND_TIMEOUT if total_timeout is None else total_timeout),
        max_bytes=int(settings.OUTBOUND_MAX_RESPONSE_BYTES),
        allowed=tuple(
            ipaddress.ip_network(n, strict=False) for n in settings.OUTBOUND_ALLOWED_NETWORKS
        ),
    )


def address_allowed(address: IPAddress, limits: OutboundLimits) -> bool:
    """A public unicast address, or one in an allow-listed network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in limits.allowed):
        return True
    return address.is_global and not address.is_multicast


def _addresses(host: str, port: int) -> list[tuple[int, IPAddress, tuple[Any, ...]]]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(
            OutboundFailure.UNRESOLVABLE, f"The host {host} could not be found."
        ) from exc
    return [
        (family, ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]), sockaddr)
        for family, _type, _proto, _name, sockaddr in found
    ]


def _connect(
    family: int, sockaddr: tuple[Any, ...], timeout: float | None, options: Iterable[Any]
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        for option in options:
            sock.setsockopt(*option)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _CheckedBackend(SyncBackend):
    """httpcore's network backend that resolves the host itself and connects only to
    the addresses ``address_allowed`` accepts (TLS still verifies the host name)."""

    def __init__(self, limits: OutboundLimits) -> None:
        self.limits = limits

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> SyncStream:
        candidates = _addresses(host, port)
        allowed = [c for c in candidates if address_allowed(c[1], self.limits)]
        if not allowed:
            raise OutboundError(
                OutboundFailure.BLOCKED_ADDRESS,
                f"{host} is a private, loopback, link-local or reserved address, which the "
                "platform does not call.",
            )
        last: OSError | None = None
        for family, _address, sockaddr in allowed:
            try:
                return SyncStream(_connect(family, sockaddr, timeout, socket_options or ()))
            except TimeoutError as exc:
                raise CoreConnectTimeout(str(exc)) from exc
            except OSError as exc:
                last = exc
        raise CoreConnectError(str(last))


class _CappedStream(httpx.SyncByteStream):
    """An answer's body, refused past ``max_bytes`` or the call's deadline."""

    def __init__(self, stream: Any, *, max_bytes: int, deadline: float) -> None:
        self.stream, self.max_bytes, self.deadline = stream, max_bytes, deadline

    def __iter__(self) -> Iterator[bytes]:
        read = 0
        for chunk in self.stream:
            read += len(chunk)
            if read > self.max_bytes:
                raise OutboundError(
                    OutboundFailure.TOO_LARGE,
                    f"The answer is larger than {self.max_bytes:,} bytes; it was not read.",
                )
            if time.monotonic() > self.deadline:
                raise OutboundError(OutboundFailure.TIMEOUT, "The answer took too long.")
            yield chunk

    def close(self) -> None:
        self.stream.close()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The TLS settings of every call (certificates checked against httpx's CA bundle,
    nothing from the environment), made once per process and shared, as an
    ``SSLContext`` may be: making one reads the whole CA bundle, about 18 ms of CPU, and
    each call paid that twice (a webhook delivery three times over its other work)."""
    return httpx.create_ssl_context(trust_env=False)


class OutboundTransport(httpx.HTTPTransport):
    """httpx's transport, connecting through ``_CheckedBackend`` and capping answers."""

    def __init__(self, limits: OutboundLimits | None = None) -> None:
        import httpcore

        self.limits = limits or outbound_limits()
        super().__init__(verify=_ssl_context(), trust_env=False, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=10,
            max_keepalive_connections=0,
            network_backend=_CheckedBackend(self.limits),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise OutboundError(OutboundFailure.INVALID_URL, "Only http(s) URLs are called.")
        deadline = time.monotonic() + self.limits.total_timeout
        response = super().handle_request(request)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(
                response.stream, max_bytes=self.limits.max_bytes, deadline=deadline
            ),
            extensions=response.extensions,
        )


def outbound_client_options(limits: OutboundLimits | None = None) -> dict[str, Any]:
    """The keyword arguments of an ``httpx.Client`` that calls out by these rules."""
    limits = limits or outbound_limits()
    return {
        "transport": OutboundTransport(limits),
        "event_hooks": {"response": [_log_response]},
        "timeout": httpx.Timeout(limits.total_timeout, connect=limits.connect_timeout),
        "follow_redirects": False,
        "trust_env": False,
    }


def _log_response(response: httpx.Response) -> None:
    request = response.request
    logger.info(
        "outbound %s %s -> %s", request.method, safe_url(str(request.url)), response.status_code
    )


def safe_url(url: str) -> str:
    """``url`` without its query, fragment or credentials: what a log line may show."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def outbound_failure(exc: Exception, url: str) -> OutboundError:
    """An httpx failure as an ``OutboundError`` in plain words (no secret in them)."""
    if isinstance(exc, OutboundError):
        return exc
    where = safe_url(url)
    if isinstance(exc, httpx.TimeoutException):
        return OutboundError(OutboundFailure.TIMEOUT, f"{where} did not answer in time.")
    if isinstance(exc, httpx.ConnectError):
        return OutboundError(OutboundFailure.CONNECT_FAILED, f"{where} could not be reached.")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return OutboundError(OutboundFailure.INVALID_URL, f"{where} is not a URL we can call.")
    return OutboundError(OutboundFailure.FAILED, f"The call to {where} failed.")


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: int

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def outbound_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    content: bytes | None = None,
    limits: OutboundLimits | None = None,
    keep_bytes: int | None = None,
) -> OutboundResponse:
    """Send one request by the outbound rules and read its answer; ``OutboundError``
    when it is refused, fails, takes too long or answers too much.

    ``content`` is a raw body (sent as is); ``limits`` replace the settings' limits;
    with ``keep_bytes`` only the answer's first bytes are read and the rest is left
    unread, never an error (a webhook receiver's answer is kept for its log only)."""
    started = time.monotonic()
    try:
        with httpx.Client(**outbound_client_options(limits)) as client:
            request = client.build_request(
                method, url, headers=dict(headers or {}), data=data, content=content
            )
            response = client.send(request, stream=True)
            try:
                body = _read(response, keep_bytes)
            finally:
                response.close()
    except (httpx.HTTPError, OutboundError) as exc:
        failure = outbound_failure(exc, url)
        logger.info("outbound %s %s failed: %s", method, safe_url(url), failure.failure)
        raise failure from None
    elapsed = int((time.monotonic() - started) * 1000)
    logger.info(
        "outbound %s %s -> %s in %d ms", method, safe_url(url), response.status_code, elapsed
    )
    return OutboundResponse(
        status=response.status_code, headers=dict(response.headers), body=body, elapsed_ms=elapsed
    )


def _read(response: httpx.Response, keep_bytes: int | None) -> bytes:
    if keep_bytes is None:
        return response.read()
    kept = b""
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) >= keep_bytes:
            break
    return kept[:keep_bytes]
