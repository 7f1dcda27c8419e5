"""Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

COLORS = {"web": "\033[36m", "worker": "\033[33m", "beat": "\033[35m"}
RESET = "\033[0m"


class Command(BaseCommand):
    help = "Run web (runserver), a Celery worker and Celery beat in one terminal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes.")

    def handle(self, *args: Any, addrport: str, concurrency: int, **options: Any) -> None:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "marketplace"]
        commands = {
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
        os.makedirs(os.path.dirname(settings.CELERY_BEAT_SCHEDULE_FILENAME), exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        processes: dict[str, subprocess.Popen[str]] = {}
        for name, command in commands.items():
            processes[name] = subprocess.Popen(  # noqa: S603
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                start_new_session=True,
            )
            threading.Thread(target=_pipe, args=(name, processes[name].stdout), daemon=True).start()

        broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nConsole:  http://{addrport}/\nAPI docs: http://{addrport}/api/docs/\n"
                f"Worker and beat are running on the {broker} broker. "
                "Press Ctrl-C to stop all three.\n"
            )
        )

        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    exit_code = process.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        self.stdout.write("Stopping web, worker and beat...")
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
        if exit_code:
            sys.exit(exit_code)


def _pipe(name: str, stream: IO[str] | None) -> None:
    if stream is None:
        return
    color = COLORS.get(name, "") if sys.stdout.isatty() else ""
    reset = RESET if color else ""
    for line in stream:
        sys.stdout.write(f"{color}{name:>6} |{reset} {line}")
        sys.stdout.flush()
