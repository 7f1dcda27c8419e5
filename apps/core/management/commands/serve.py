"""Start the web server, a Celery worker and Celery beat together, plus the example app
(``examples/connector``), the example provider (``examples/provider``) and Notes Sync's
backend (``examples/notes_backend``) when their files exist; Ctrl-C stops them all."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.core.example_app import (
    example_config_path,
    example_provider_config_path,
    example_provider_url,
    notes_backend_config_path,
)

OPTIONAL = {
    "example": "example app",
    "provider": "example provider",
    "notes": "Notes Sync backend",
}
NOTES_URL = "http://127.0.0.1:8003"
COLORS = {
    "web": "\033[36m",
    "worker": "\033[33m",
    "beat": "\033[35m",
    "example": "\033[32m",
    "provider": "\033[34m",
    "notes": "\033[92m",
}
RESET = "\033[0m"


class Command(BaseCommand):
    help = (
        "Run web (runserver), a Celery worker, Celery beat and, when var/example-app.json "
        "exists (manage.py demo writes it), the example app, in one terminal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes.")
        parser.add_argument(
            "--no-example", action="store_true", help="Do not start the example app."
        )

    def handle(
        self, *args: Any, addrport: str, concurrency: int, no_example: bool, **options: Any
    ) -> None:
        commands = _commands(addrport=addrport, concurrency=concurrency)
        os.makedirs(os.path.dirname(settings.CELERY_BEAT_SCHEDULE_FILENAME), exist_ok=True)
        example_file = example_config_path()
        example_url = ""
        if not no_example and example_file.exists():
            commands["example"] = [sys.executable, "-m", "examples.connector"]
            example_url = example_public_url(example_file)
        provider_file = example_provider_config_path()
        provider_line = ""
        if not no_example and provider_file.exists():
            commands["provider"] = [sys.executable, "-m", "examples.provider"]
            provider_line = (
                "Example provider (an outside service for connections): "
                f"{example_provider_url(provider_file)}/\n"
            )
        notes_line = ""
        if not no_example and notes_backend_config_path().exists():
            commands["notes"] = [sys.executable, "-m", "examples.notes_backend"]
            notes_line = (
                f"Notes Sync's backend (reads its connection, calls the provider): {NOTES_URL}/\n"
            )
        processes = _start(commands, addrport=addrport, example_file=example_file)

        broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
        example = (
            f"Example app: {example_url}/ (the OAuth journey: see README)\n" if example_url else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nConsole:  http://{addrport}/\nAPI docs: http://{addrport}/api/docs/\n"
                f"{example}{provider_line}{notes_line}"
                f"Worker and beat are running on the {broker} broker. "
                f"Press Ctrl-C to stop all {len(processes)}.\n"
            )
        )
        exit_code = self._watch(processes)
        names = list(processes)
        self.stdout.write(f"Stopping {', '.join(names[:-1])} and {names[-1]}...")
        _stop(processes)
        if exit_code:
            sys.exit(exit_code)

    def _watch(self, processes: dict[str, subprocess.Popen[str]]) -> int:
        """Wait for Ctrl-C (or SIGTERM) or for a process to exit; the exit code to leave
        with (0 on Ctrl-C)."""
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        reported: set[str] = set()
        while not stopping:
            for name, process in processes.items():
                if name in OPTIONAL:
                    # An optional extra (its port may be taken): the marketplace runs on.
                    if process.poll() is not None and name not in reported:
                        self.stderr.write(
                            f"The {OPTIONAL[name]} exited with code {process.returncode}; "
                            "the marketplace keeps running."
                        )
                        reported.add(name)
                    continue
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        return exit_code


def _commands(*, addrport: str, concurrency: int) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "marketplace"]
    return {
        "web": [python, "manage.py", "runserver", addrport],
        "worker": [
            *celery,
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "-Q",
            "default",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            *celery,
            "beat",
            "--loglevel=INFO",
            "--schedule",
            settings.CELERY_BEAT_SCHEDULE_FILENAME,
        ],
    }


def _start(
    commands: dict[str, list[str]], *, addrport: str, example_file: Path
) -> dict[str, subprocess.Popen[str]]:
    """Start every command in a session of its own, its output piped to ours by name."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    processes: dict[str, subprocess.Popen[str]] = {}
    for name, command in commands.items():
        process_env = env
        if name == "example":
            # The connector talks to this server, wherever it listens.
            process_env = {
                **env,
                "CONNECTOR_CONFIG": str(example_file),
                "CONNECTOR_MARKETPLACE_URL": f"http://{addrport}",
            }
        if name == "provider":
            process_env = {**env, "PROVIDER_CONFIG": str(example_provider_config_path())}
        if name == "notes":
            process_env = {
                **env,
                "NOTES_BACKEND_CONFIG": str(notes_backend_config_path()),
                "NOTES_BACKEND_MARKETPLACE_URL": f"http://{addrport}",
            }
        processes[name] = subprocess.Popen(  # noqa: S603
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=process_env,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        threading.Thread(target=_pipe, args=(name, processes[name].stdout), daemon=True).start()
    return processes


def _stop(processes: dict[str, subprocess.Popen[str]]) -> None:
    """Stop them all, each the way it shuts down cleanly; kill what outlives 35 s."""
    for name, process in processes.items():
        if process.poll() is None:
            if name == "web":
                # runserver's autoreloader runs the server in a child process.
                os.killpg(process.pid, signal.SIGTERM)
            else:
                # Celery's main process shuts its pool down itself (warm shutdown).
                process.terminate()
    deadline = time.monotonic() + 35
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def example_public_url(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    url = data.get("public_url") if isinstance(data, dict) else None
    return str(url or "http://localhost:8001").rstrip("/")


def _pipe(name: str, stream: IO[str] | None) -> None:
    if stream is None:
        return
    color = COLORS.get(name, "") if sys.stdout.isatty() else ""
    reset = RESET if color else ""
    for line in stream:
        sys.stdout.write(f"{color}{name:>6} |{reset} {line}")
        sys.stdout.flush()
