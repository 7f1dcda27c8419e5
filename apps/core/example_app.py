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
