"""``python -m examples.provider``: serve the example provider until Ctrl-C (or SIGTERM).

Configuration, environment variables over ``var/example-provider.json`` (written by
``manage.py demo``): ``PROVIDER_HOST`` (``127.0.0.1``), ``PROVIDER_PORT`` (``8002``),
``PROVIDER_ACCESS_SECONDS`` (``3600``), and its one client: ``PROVIDER_CLIENT_ID``,
``PROVIDER_CLIENT_SECRET``, ``PROVIDER_REDIRECT_URIS`` (comma-separated)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from examples.provider.app import ProviderApp
from examples.provider.store import Client, Store
from examples.serving import serve

log = logging.getLogger("provider")
CONFIG_FILE = Path(__file__).resolve().parent.parent.parent / "var" / "example-provider.json"


def config() -> dict[str, Any]:
    path = Path(os.environ.get("PROVIDER_CONFIG") or CONFIG_FILE)
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    keys = (
        "host",
        "port",
        "access_seconds",
        "client_id",
        "client_secret",
        "redirect_uris",
        "api_key",
    )
    for key in keys:
        value = os.environ.get(f"PROVIDER_{key.upper()}")
        if value:
            data[key] = value.split(",") if key == "redirect_uris" else value
    return data


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    conf = config()
    if not conf.get("client_id") or not conf.get("client_secret"):
        log.error(
            "No client: set PROVIDER_CLIENT_ID and PROVIDER_CLIENT_SECRET, or run manage.py demo."
        )
        return 2
    store = Store()
    store.clients[conf["client_id"]] = Client(
        client_id=conf["client_id"],
        client_secret=conf["client_secret"],
        redirect_uris=tuple(conf.get("redirect_uris") or ()),
    )
    app = ProviderApp(
        store,
        access_seconds=int(conf.get("access_seconds", 3600)),
        api_key=str(conf.get("api_key", "demo-api-key")),
    )
    host, port = conf.get("host", "127.0.0.1"), int(conf.get("port", 8002))
    return serve(
        app,
        host=host,
        port=port,
        log=log,
        started=f"Example Provider on http://{host}:{port} (client {conf['client_id']})",
    )


if __name__ == "__main__":
    sys.exit(main())
