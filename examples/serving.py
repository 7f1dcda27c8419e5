"""Serving an example process (the connector, the provider, Notes Sync's backend): a
threaded WSGI server on ``host:port`` until Ctrl-C or SIGTERM, logging one line per
request without its query string, where codes, states and tokens travel."""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _handler(log: logging.Logger) -> type[WSGIRequestHandler]:
    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            log.info("%s %s %s", self.command, self.path.split("?", 1)[0], code)

        def log_message(self, format: str, *args: Any) -> None:
            # Error lines quote the request line: drop its query string too.
            log.info("%s", re.sub(r"\?\S*", "?…", format % args))

    return QuietHandler


def serve(
    app: Callable[..., Any], *, host: str, port: int, log: logging.Logger, started: str
) -> int:
    """Serve ``app`` until stopped, after logging ``started``; 0 once stopped."""
    server = make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=_handler(log)
    )

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    log.info("%s", started)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
