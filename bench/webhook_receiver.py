"""The webhook benchmark's receiver: a threaded HTTP server on loopback in a process of
its own (so its work does not share the writing process's interpreter lock), which
verifies each delivery and notes when it arrived.

Every POST is checked as a receiver would check it: the ``v1`` signature with the
``standardwebhooks`` package under the app's secret (found by the body's
``installation_id``) and the ``v1a`` signature with ``cryptography``'s ed25519 under the
platform's public key. It answers 200 either way and keeps, per ``webhook-id`` (a
second arrival of one is counted as a duplicate), the arrival time on the system-wide
monotonic clock (``time.monotonic``, comparable between processes on Linux), the
record's id and the installation's id.

The parent drives it through a pipe: ``("keys", {installation_id: secret},
public_key)`` before the first delivery, then ``("dump", None, None)`` for the records
and counts, and ``("stop", None, None)``. ``arrived`` (a shared counter) is the number of
distinct deliveries so far, for progress without a round trip.
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class _State:
    def __init__(self, arrived: Any) -> None:
        self.lock = threading.Lock()
        self.arrived = arrived
        self.verifiers: dict[int, Webhook] = {}
        self.public: Ed25519PublicKey | None = None
        self.records: dict[str, tuple[float, int, int]] = {}
        self.duplicates = 0
        self.bad_v1 = 0
        self.bad_v1a = 0

    def verified(self, body: bytes, headers: dict[str, str], installation_id: int) -> None:
        try:
            self.verifiers[installation_id].verify(body, headers, json_parse=False)
        except (KeyError, WebhookVerificationError):
            self.bad_v1 += 1
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        v1a = [s[4:] for s in headers["webhook-signature"].split() if s.startswith("v1a,")]
        try:
            assert self.public is not None and v1a
            self.public.verify(base64.b64decode(v1a[0]), signed)
        except (AssertionError, InvalidSignature, ValueError):
            self.bad_v1a += 1


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            arrival = time.monotonic()
            headers = {k.lower(): v for k, v in self.headers.items()}
            data = json.loads(body)
            with state.lock:
                state.verified(body, headers, data["installation_id"])
                msg_id = headers["webhook-id"]
                if msg_id in state.records:
                    state.duplicates += 1
                else:
                    state.records[msg_id] = (arrival, data["data"]["id"], data["installation_id"])
                    state.arrived.value += 1
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _serve(conn: Connection, arrived: Any, port_out: Any) -> None:
    state = _State(arrived)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    httpd.request_queue_size = 128
    port_out.value = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    while True:
        command, payload, extra = conn.recv()
        if command == "keys":
            state.verifiers = {pk: Webhook(secret) for pk, secret in payload.items()}
            raw = base64.b64decode(extra.removeprefix("whpk_"))
            state.public = Ed25519PublicKey.from_public_bytes(raw)
            conn.send("ok")
        elif command == "dump":
            with state.lock:
                conn.send(
                    {
                        "records": list(state.records.values()),
                        "duplicates": state.duplicates,
                        "bad_v1": state.bad_v1,
                        "bad_v1a": state.bad_v1a,
                    }
                )
        else:
            httpd.shutdown()
            conn.send("stopped")
            return


class ReceiverProcess:
    """The receiver, started in a forked child (close the parent's database connections
    first: the child never uses them)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.arrived = context.Value("q", 0)
        port = context.Value("i", 0)
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.arrived, port), daemon=True)
        self.process.start()
        deadline = time.monotonic() + 10
        while not port.value and time.monotonic() < deadline:
            time.sleep(0.01)
        if not port.value:
            raise RuntimeError("The receiver did not start.")
        self.url = f"http://127.0.0.1:{port.value}/hooks"

    def keys(self, secrets: dict[int, str], public_key: str) -> None:
        self.conn.send(("keys", secrets, public_key))
        self.conn.recv()

    def count(self) -> int:
        return int(self.arrived.value)

    def dump(self) -> dict[str, Any]:
        self.conn.send(("dump", None, None))
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.conn.send(("stop", None, None))
            self.conn.recv()
            self.process.join(timeout=10)
