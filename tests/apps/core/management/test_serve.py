"""`manage.py serve` (what `make run` starts): web, worker and beat together, and the
example app as a fourth process when its credentials file exists."""

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


def test_serve_runs_web_worker_and_beat_and_ctrl_c_stops_all_three(tmp_path):
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
        # No credentials file: no example app, whatever var/ of this checkout holds.
        "CONNECTOR_CONFIG": str(tmp_path / "absent.json"),
        "PROVIDER_CONFIG": str(tmp_path / "absent-provider.json"),
        "NOTES_BACKEND_CONFIG": str(tmp_path / "absent-notes.json"),
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


def _text(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def test_serve_starts_the_example_app_and_provider_when_their_files_exist(tmp_path):
    purge_broker()
    port, example_port, provider_port = _free_port(), _free_port(), _free_port()
    provider_file = tmp_path / "example-provider.json"
    provider_file.write_text(
        json.dumps(
            {
                "port": provider_port,
                "client_id": "marketplace",
                "client_secret": "provider-secret-not-printed-0123",
                "redirect_uris": [f"http://127.0.0.1:{port}/connections/callback/"],
            }
        )
    )
    credentials = tmp_path / "example-app.json"
    credentials.write_text(
        json.dumps(
            {
                "client_id": "demo-client",
                "client_secret": "demo-secret-not-printed-0123456789",
                "public_url": f"http://localhost:{example_port}",
            }
        )
    )
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        "CONNECTOR_CONFIG": str(credentials),
        "CONNECTOR_PORT": str(example_port),
        "PROVIDER_CONFIG": str(provider_file),
        "NOTES_BACKEND_CONFIG": str(tmp_path / "absent-notes.json"),
    }
    with log.open("w") as output:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--concurrency=1"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: _text(f"http://localhost:{example_port}/healthz") == "ok",
                timeout=60,
                what="the example app",
            )
            wait_for(
                lambda: _get(f"http://127.0.0.1:{port}/healthz")[0] == 200,
                timeout=60,
                what="the web server",
            )
            wait_for(
                lambda: _text(f"http://127.0.0.1:{provider_port}/healthz") == "ok",
                timeout=60,
                what="the example provider",
            )
            # The connector talks to this server, not to the address in its file.
            home = _text(f"http://localhost:{example_port}/")
            assert f"<code>http://127.0.0.1:{port}</code>" in home
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    text = log.read_text(errors="replace")
    assert f"Example app: http://localhost:{example_port}/" in text, text
    assert (
        f"Example provider (an outside service for connections): http://127.0.0.1:{provider_port}/"
        in text
    ), text
    assert "Stopping web, worker, beat, example and provider" in text, text
    assert "demo-secret-not-printed-0123456789" not in text
    assert "provider-secret-not-printed-0123" not in text
    time.sleep(0.5)
    assert _text(f"http://localhost:{example_port}/healthz") == ""
    assert _text(f"http://127.0.0.1:{provider_port}/healthz") == ""
