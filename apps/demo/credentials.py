"""The files in which the demo hands credentials to the example processes it starts
(the connector, the provider, Notes Sync's backend): JSON readable by their owner only,
replaced whole so a process never reads half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def credentials_written_for(path: Path, client_id: str) -> bool:
    """Whether ``path`` holds the credentials of the client ``client_id``, secret included."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(data, dict)
        and data.get("client_id") == client_id
        and bool(data.get("client_secret"))
    )


def credentials_write(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` (mode 0600), replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)
