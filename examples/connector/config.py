"""Where the connector finds the marketplace and its own OAuth credentials.

A JSON file (``var/example-app.json``, written by ``manage.py demo``) gives the defaults;
environment variables override any value:

============================  =====================  =====================================
environment variable          JSON key               default
============================  =====================  =====================================
``CONNECTOR_CONFIG``          (the file itself)      ``var/example-app.json``
``CONNECTOR_MARKETPLACE_URL`` ``marketplace_url``    ``http://127.0.0.1:8000``
``CONNECTOR_CLIENT_ID``       ``client_id``          (required)
``CONNECTOR_CLIENT_SECRET``   ``client_secret``      (required)
``CONNECTOR_HOST``            ``host``               ``localhost``
``CONNECTOR_PORT``            ``port``               ``8001``
``CONNECTOR_PUBLIC_URL``      ``public_url``         ``http://<host>:<port>``
``CONNECTOR_TOKEN_FILE``      ``token_file``         ``var/example-app-tokens.json``
``CONNECTOR_WEBHOOK_SECRET``  ``webhook_secret``     (none: every delivery is refused)
============================  =====================  =====================================

``webhook_secret`` is the app's signing secret (``whsec_...``, on its *Webhooks* page in
the Developer Console), with which every webhook delivery is verified.

The redirect URI is ``<public_url>/oauth/callback``: it must be in the manifest's
``redirect_uris`` character for character.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CONFIG_FILE = REPO_ROOT / "var" / "example-app.json"
DEFAULT_TOKEN_FILE = REPO_ROOT / "var" / "example-app-tokens.json"
DEFAULT_MARKETPLACE_URL = "http://127.0.0.1:8000"
CALLBACK_PATH = "/oauth/callback"
INSTALL_PATH = "/oauth/install"  # the manifest's install_start_url

# (JSON key, environment variable)
_KEYS = {
    "marketplace_url": "CONNECTOR_MARKETPLACE_URL",
    "client_id": "CONNECTOR_CLIENT_ID",
    "client_secret": "CONNECTOR_CLIENT_SECRET",
    "host": "CONNECTOR_HOST",
    "port": "CONNECTOR_PORT",
    "public_url": "CONNECTOR_PUBLIC_URL",
    "token_file": "CONNECTOR_TOKEN_FILE",
    "webhook_secret": "CONNECTOR_WEBHOOK_SECRET",
}


class ConfigError(Exception):
    """The configuration is missing or unusable; the message says what to do."""


@dataclass(frozen=True)
class Config:
    marketplace_url: str
    client_id: str
    client_secret: str
    host: str
    port: int
    public_url: str
    token_file: Path
    webhook_secret: str = ""

    @property
    def redirect_uri(self) -> str:
        return self.public_url + CALLBACK_PATH

    def endpoint(self, path: str) -> str:
        """An absolute URL on the marketplace, e.g. ``endpoint("/oauth/token/")``."""
        return self.marketplace_url + path


def config_file_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("CONNECTOR_CONFIG") or DEFAULT_CONFIG_FILE)


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read the JSON file (when it exists) and apply the environment over it.

    Raises ``ConfigError`` naming the value that is missing or wrong.
    """
    environ = os.environ if environ is None else environ
    path = config_file_path(environ)
    values: dict[str, object] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path} is not readable JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path} must hold a JSON object.")
        values.update({k: v for k, v in loaded.items() if k in _KEYS})
    for key, variable in _KEYS.items():
        if environ.get(variable):
            values[key] = environ[variable]

    missing = [
        f"{key} ({_KEYS[key]})" for key in ("client_id", "client_secret") if not values.get(key)
    ]
    if missing:
        raise ConfigError(
            f"Missing {', '.join(missing)}. Run `python manage.py demo` to register the "
            f"example app and write {path}, or set the environment variables."
        )
    host = str(values.get("host") or "localhost")
    try:
        port = int(str(values.get("port") or 8001))
    except ValueError as exc:
        raise ConfigError(f"port ({_KEYS['port']}) must be a number.") from exc
    if not 0 < port < 65536:
        raise ConfigError(f"port ({_KEYS['port']}) must be between 1 and 65535.")
    marketplace_url = str(values.get("marketplace_url") or DEFAULT_MARKETPLACE_URL).rstrip("/")
    if not marketplace_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"marketplace_url ({_KEYS['marketplace_url']}) must start with http:// or https://."
        )
    public_url = str(values.get("public_url") or f"http://{host}:{port}").rstrip("/")
    return Config(
        marketplace_url=marketplace_url,
        client_id=str(values["client_id"]),
        client_secret=str(values["client_secret"]),
        host=host,
        port=port,
        public_url=public_url,
        token_file=Path(str(values.get("token_file") or DEFAULT_TOKEN_FILE)),
        webhook_secret=str(values.get("webhook_secret") or ""),
    )


def masked(value: str, keep: int = 4) -> str:
    """A secret or token as it may appear in a page or a log: its first characters only."""
    if not value:
        return ""
    if len(value) <= keep * 2:
        return "…"
    return value[:keep] + "…"
