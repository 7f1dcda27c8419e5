"""What the example provider remembers, in memory: clients, codes and tokens.

A restart forgets every grant, as a real provider that lost its database would: the
marketplace's connection then needs a reconnect."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...] = ("profile", "notes:read")


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scopes: list[str]
    challenge: str | None
    challenge_method: str | None
    expires: float
    user: str = "demo"


@dataclass
class Token:
    client_id: str
    scopes: list[str]
    access_token: str
    refresh_token: str | None
    expires: float
    user: str = "demo"
    revoked: bool = False


@dataclass
class Store:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: list[Token] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def access(self, raw: str) -> Token | None:
        with self.lock:
            for token in self.tokens:
                if token.access_token == raw and not token.revoked:
                    return token if token.expires > time.time() else None
        return None

    def refresh(self, raw: str) -> Token | None:
        with self.lock:
            for token in self.tokens:
                if token.refresh_token == raw and not token.revoked:
                    return token
        return None

    def revoke(self, raw: str) -> None:
        with self.lock:
            for token in self.tokens:
                if raw in (token.access_token, token.refresh_token):
                    token.revoked = True

    def revoke_client(self, client_id: str) -> int:
        """The user withdraws the client's access: every grant of it ends."""
        with self.lock:
            live = [t for t in self.tokens if t.client_id == client_id and not t.revoked]
            for token in live:
                token.revoked = True
            return len(live)

    def live_grants(self) -> dict[str, int]:
        with self.lock:
            counts: dict[str, int] = {}
            for token in self.tokens:
                if not token.revoked:
                    counts[token.client_id] = counts.get(token.client_id, 0) + 1
            return counts


def new_secret() -> str:
    return secrets.token_urlsafe(24)
