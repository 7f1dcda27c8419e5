"""The example provider (``examples/provider``) as a real process on a free loopback
port, for the tests of connections to an outside service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "marketplace-demo"
CLIENT_SECRET = "provider-client-secret-0123456789"


@dataclass(frozen=True)
class Provider:
    url: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def withdraw_access(self) -> None:
        """What the user does on the provider's page: remove the client's access."""
        httpx.post(f"{self.url}/grants/revoke", data={"client_id": self.client_id})

    def live_grants(self) -> str:
        return httpx.get(f"{self.url}/").text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def provider_process(*, redirect_uris: list[str], access_seconds: int = 3600) -> Iterator[Provider]:
    port = free_port()
    env = {
        **os.environ,
        "PROVIDER_CONFIG": str(ROOT / "var" / "no-such-provider-config.json"),
        "PROVIDER_HOST": "127.0.0.1",
        "PROVIDER_PORT": str(port),
        "PROVIDER_CLIENT_ID": CLIENT_ID,
        "PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
        "PROVIDER_REDIRECT_URIS": ",".join(redirect_uris),
        "PROVIDER_ACCESS_SECONDS": str(access_seconds),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.provider"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).text == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("The example provider did not start.")
        yield Provider(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
