"""``python -m examples.notes_backend``: serve Notes Sync's backend until Ctrl-C.

Configuration: ``var/notes-sync.json`` (written by ``manage.py demo``, or the file
``NOTES_BACKEND_CONFIG`` names) with ``client_id`` and ``client_secret`` (Notes Sync's
client at the marketplace), ``marketplace_url`` (``http://127.0.0.1:8000``), ``host``
and ``port`` (``127.0.0.1:8003``) and ``provider_url`` (``http://127.0.0.1:8002``);
``NOTES_BACKEND_MARKETPLACE_URL`` overrides the marketplace's address."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from examples.connector.config import REPO_ROOT, Config, ConfigError, load_config, masked
from examples.notes_backend.app import NotesBackend
from examples.serving import serve

log = logging.getLogger("notes")
DEFAULT_FILE = REPO_ROOT / "var" / "notes-sync.json"
DEFAULT_PROVIDER = "http://127.0.0.1:8002"


def config() -> tuple[Config, str]:
    path = Path(os.environ.get("NOTES_BACKEND_CONFIG") or DEFAULT_FILE)
    environ = {"CONNECTOR_CONFIG": str(path), "CONNECTOR_HOST": "127.0.0.1"}
    environ["CONNECTOR_PORT"] = "8003"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        data = {}
    for key in ("host", "port"):
        if data.get(key):
            environ[f"CONNECTOR_{key.upper()}"] = str(data[key])
    if os.environ.get("NOTES_BACKEND_MARKETPLACE_URL"):
        environ["CONNECTOR_MARKETPLACE_URL"] = os.environ["NOTES_BACKEND_MARKETPLACE_URL"]
    provider = str(data.get("provider_url") or DEFAULT_PROVIDER)
    return load_config(environ), provider


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    try:
        conf, provider = config()
    except ConfigError as exc:
        log.error("%s", str(exc).replace("example app", "Notes Sync app"))
        return 2
    return serve(
        NotesBackend(conf, provider),
        host=conf.host,
        port=conf.port,
        log=log,
        started=(
            f"Notes Sync backend on {conf.public_url} (marketplace {conf.marketplace_url}, "
            f"client {conf.client_id}, secret {masked(conf.client_secret)}, "
            f"provider {provider})"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
