"""The Celery settings the lifecycle jobs rely on, and the start-up checks that keep a
running task from being handed to a second worker.

The checks run in a fresh ``manage.py`` process: the settings module raises at import.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from marketplace.celery import app

ROOT = Path(__file__).resolve().parents[2]


def test_late_acks_one_message_at_a_time_and_json_only():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.result_backend is None


def test_time_limits_stay_below_the_visibility_timeout_and_chunks_far_below_them():
    soft, hard = settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert soft < hard < visibility
    assert hard < settings.JOBS_LEASE_SECONDS
    assert max(settings.LIFECYCLE_CHUNK_SECONDS, settings.LIFECYCLE_PURGE_SECONDS) < soft / 2


def test_the_beat_schedule_runs_the_sweeper_and_the_token_purge():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"jobs.sweep", "lifecycle.tokens_purge"} <= tasks


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "LIFECYCLE_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="marketplace.settings.test")
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CELERY_TASK_TIME_LIMIT": "4000"}, "CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "400"}, "CELERY_TASK_SOFT_TIME_LIMIT <"),
        ({"LIFECYCLE_CHUNK_SECONDS": "200"}, "LIFECYCLE_CHUNK_SECONDS and"),
        ({"LIFECYCLE_PURGE_SECONDS": "120"}, "below half of CELERY_TASK_SOFT_TIME_LIMIT"),
    ],
)
def test_settings_that_would_let_a_task_outlive_its_limits_refuse_to_load(env, message):
    result = _check(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
