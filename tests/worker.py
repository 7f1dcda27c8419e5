"""A real Celery worker (and beat) in a separate process, for tests that need one.

The process uses the test settings, the test database (committed data only, so tests
that use it need ``transaction=True``) and the same broker as the test process: the
filesystem folder by default, Redis when ``REDIS_URL`` is set.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_subprocess() -> str:
    """The URL of the database the tests run against, for another process."""
    conf = connection.settings_dict
    if conf["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(conf['NAME']).resolve()}"
    auth = conf["USER"] or ""
    if conf.get("PASSWORD"):
        auth += f":{conf['PASSWORD']}"
    host = f"{auth}@" if auth else ""
    return f"postgres://{host}{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def purge_broker() -> None:
    """Drop every message left in the default queue (by earlier tests or runs)."""
    from marketplace.celery import app

    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge("default")


def wait_for(
    predicate: Callable[[], object],
    *,
    timeout: float = 30,
    interval: float = 0.2,
    what: str = "condition",
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")


class CeleryProcess:
    """``celery -A marketplace worker|beat`` as a child process."""

    def __init__(self, role: str, *, extra_env: dict[str, str] | None = None) -> None:
        self.role = role
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"celery-{role}-", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
            "DATABASE_URL": database_url_for_subprocess(),
            "PYTHONUNBUFFERED": "1",
        }
        env.update(extra_env or {})
        if role == "worker":
            args = [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                "default",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ]
        else:
            args = [
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(Path(tempfile.mkdtemp()) / "beat-schedule"),
            ]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "marketplace", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> "CeleryProcess":
        marker = "ready." if self.role == "worker" else "beat: Starting"
        try:
            wait_for(
                lambda: marker in self.output() or self.proc.poll() is not None,
                timeout=timeout,
                what=f"celery {self.role} to start",
            )
        except AssertionError:
            self.stop()
            raise AssertionError(f"celery {self.role} did not start:\n{self.output()}") from None
        if self.proc.poll() is not None:
            raise AssertionError(f"celery {self.role} exited:\n{self.output()}")
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no chance to requeue anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
