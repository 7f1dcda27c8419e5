"""``python -m examples.connector``: serve the connector until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import logging
import re
import signal
import sys
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from examples.connector.app import ConnectorApp
from examples.connector.config import ConfigError, config_file_path, load_config, masked

log = logging.getLogger("connector")


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    """One line per request, without the query string: a callback's carries the code."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)

    def log_message(self, format: str, *args: Any) -> None:
        # Error lines quote the request line: drop its query string too.
        log.info("%s", re.sub(r"\?\S*", "?…", format % args))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    try:
        config = load_config()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    server = make_server(
        config.host,
        config.port,
        ConnectorApp(config),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    log.info(
        "Example Connector on %s (marketplace %s, client %s, secret %s, config %s)",
        config.public_url,
        config.marketplace_url,
        config.client_id,
        masked(config.client_secret),
        config_file_path(),
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
