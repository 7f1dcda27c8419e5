"""``python -m examples.connector``: serve the connector until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import logging
import sys

from examples.connector.app import ConnectorApp
from examples.connector.config import ConfigError, config_file_path, load_config, masked
from examples.serving import serve

log = logging.getLogger("connector")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    try:
        config = load_config()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    return serve(
        ConnectorApp(config),
        host=config.host,
        port=config.port,
        log=log,
        started=(
            f"Example Connector on {config.public_url} (marketplace {config.marketplace_url}, "
            f"client {config.client_id}, secret {masked(config.client_secret)}, "
            f"config {config_file_path()})"
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
