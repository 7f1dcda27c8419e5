"""The production image's build step loads the production settings.

The Dockerfile runs ``collectstatic`` under production settings with throwaway values; a
setting that production starts to require must be given there too, or the image no
longer builds. This runs that step's own environment lines (with this interpreter) and
the same command, without Docker.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_step_assignments() -> list[str]:
    """The ``NAME=value`` lines of the RUN step that runs collectstatic."""
    text = (ROOT / "Dockerfile").read_text()
    step = next(s for s in re.split(r"\n(?=RUN )", text) if "manage.py collectstatic" in s)
    lines = [line.strip().rstrip("\\").strip() for line in step.splitlines()]
    lines[0] = lines[0].removeprefix("RUN ").strip()
    return [line for line in lines if re.match(r"^[A-Z_]+=", line)]


def test_the_image_build_step_loads_production_settings(tmp_path):
    assignments = build_step_assignments()
    assert any(a.startswith("SECRET_KEY=") for a in assignments)
    # The step's values are shell words ($(python -c ...)): let the shell expand them.
    script = " ".join(
        [
            *(a.replace("$(python ", f"$({sys.executable} ") for a in assignments),
            f"STATIC_ROOT={tmp_path / 'static'}",
            sys.executable,
            "manage.py collectstatic --noinput --dry-run",
        ]
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "REDIS_", "CELERY_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.production"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "static files copied" in result.stdout
