"""The connector's one connection: the tokens it holds, in a JSON file only it may read.

A real connector keeps one connection per account it serves; this example keeps the last
one, which is all its pages show.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Connection:
    account: str
    access_token: str
    refresh_token: str
    scope: str
    expires_at: float  # epoch seconds
    connected_at: float
    refreshed_at: float | None = None

    @classmethod
    def from_token_response(
        cls, body: dict[str, Any], *, account: str, connected_at: float | None = None
    ) -> Connection:
        now = time.time()
        return cls(
            account=account,
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token", "")),
            scope=str(body.get("scope", "")),
            expires_at=now + float(body.get("expires_in", 0)),
            connected_at=connected_at if connected_at is not None else now,
            refreshed_at=None if connected_at is None else now,
        )

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


class TokenStore:
    """Load, save and forget the connection; writes are atomic and the file is 0600.

    ``lock`` serializes refreshes: the marketplace rotates refresh tokens and treats a
    second use of a spent one as theft (it revokes the whole family), so two refreshes
    must never race.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()

    def load(self) -> Connection | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None
        try:
            return Connection(**data)
        except TypeError:
            return None

    def save(self, connection: Connection) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(connection), handle)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)
