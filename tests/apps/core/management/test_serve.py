"""`manage.py serve` (what `make run` starts): web, worker and beat together."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from apps.jobs.models import Heartbeat
from tests.worker import ROOT, database_url_for_subprocess, purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except OSError:
        return 0, {}


def test_serve_runs_web_worker_and_beat_and_ctrl_c_stops_all_three():
    purge_broker()
    port = _free_port()
    log = tempfile.NamedTemporaryFile(prefix="serve-", suffix=".log", delete=False)  # noqa: SIM115
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "JOBS_SWEEP_SECONDS": "1",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--concurrency=1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200,
            timeout=60,
            what="the web server",
        )
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        # Beat sends the sweeper every second and a worker runs it.
        wait_for(
            lambda: Heartbeat.objects.filter(name="sweeper").exists(),
            timeout=60,
            what="the sweeper to run on the worker",
        )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    output = Path(log.name).read_text(errors="replace")
    assert "Stopping web, worker and beat" in output, output
    time.sleep(0.5)
    assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 0
