"""The product served by gunicorn for the load benchmarks (`load.py`, `throttle.py`).

Set the environment with ``production_env`` before ``django.setup()``; ``Server`` and
``database_url`` are used after it, the server being given the benchmark's own database.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def production_env(*, name: str, settings_module: str, redis_url: str) -> dict[str, str]:
    """The environment of a production-like server with throwaway secrets, its cache in
    ``redis_url`` and its broker folder under ``var/bench-<name>-broker``."""
    return {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECRET_PEPPER": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "WEBHOOK_SIGNING_KEY": "whsk_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "OAUTH_ISSUER": "https://market.example.com",
        "SECURE_SSL_REDIRECT": "0",
        "CACHE_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        "CELERY_FILESYSTEM_DIR": str(ROOT / "var" / f"bench-{name}-broker"),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The benchmark's database as a URL the server's settings read."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"


class Server:
    """gunicorn with ``workers`` sync workers on a free port, started and ready (its
    ``/healthz`` answers) when the constructor returns."""

    def __init__(self, *, workers: int, env: dict[str, str], backlog: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "marketplace.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        if backlog is not None:
            command += ["--backlog", str(backlog)]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
