"""Where the example third-party app (``examples/connector``) reads its credentials.

``CONNECTOR_CONFIG`` when set, else ``var/example-app.json``: the rule the connector
itself follows (``examples/connector/config.py``), which the demo data writes to and
``manage.py serve`` looks at to start the connector.
"""

import os
from pathlib import Path

from django.conf import settings


def example_config_path() -> Path:
    return Path(os.environ.get("CONNECTOR_CONFIG") or Path(settings.VAR_DIR) / "example-app.json")


def example_provider_config_path() -> Path:
    """The example outside service's configuration (``examples/provider``): its client,
    written by the demo data beside the example app's."""
    return Path(
        os.environ.get("PROVIDER_CONFIG") or Path(settings.VAR_DIR) / "example-provider.json"
    )


def example_provider_url(path: Path) -> str:
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    return f"http://{data.get('host', '127.0.0.1')}:{data.get('port', 8002)}"


def notes_backend_config_path() -> Path:
    """The demo app Notes Sync's backend (``examples/notes_backend``): its client at the
    marketplace, written by the demo data."""
    return Path(
        os.environ.get("NOTES_BACKEND_CONFIG") or Path(settings.VAR_DIR) / "notes-sync.json"
    )
