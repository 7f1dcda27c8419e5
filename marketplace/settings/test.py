"""Test settings: a file SQLite database (a worker process must see it), fast hashing."""

import os
from pathlib import Path

from marketplace.settings.base import *  # noqa: F403
from marketplace.settings.base import (
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    OAUTH2_PROVIDER,
    STATIC_ROOT,
    VAR_DIR,
    env,
)

# Off, as pytest-django sets it in the test process; DEBUG=true turns it on for the worker
# processes the tests start as well (CI runs the job, lifecycle and OAuth tests that way,
# with `-o django_debug_mode=true` for the test process: the laptop defaults of make run).
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_PEPPER = "test-pepper"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "apps.core.hashers.HMACSHA256PepperHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A worker process a test starts has no outbox the test can read: given this folder, it
# writes each e-mail there as a file instead (the test process itself keeps locmem).
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
# Tests clear the cache between them; a shared Redis must never be flushed by a test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = str(VAR_DIR / "test-media")
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# Each test run has its own database file and broker folders (var/test-runs/<pid>, removed
# when the run ends), so two runs at once never share them; the worker processes a run
# starts inherit both paths through the environment.
TEST_RUN_DIR = VAR_DIR / "test-runs" / str(os.getpid())
os.environ.setdefault("TEST_SQLITE_PATH", str(TEST_RUN_DIR / "db.sqlite3"))
os.environ.setdefault("CELERY_FILESYSTEM_DIR", str(TEST_RUN_DIR / "broker"))

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a worker process started by the tests reads the same data.
    Path(os.environ["TEST_SQLITE_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_SQLITE_PATH"]}

if "data_folder_in" in CELERY_BROKER_TRANSPORT_OPTIONS:
    _dir = os.environ["CELERY_FILESYSTEM_DIR"]
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": f"{_dir}/queue",
            "data_folder_out": f"{_dir}/queue",
            "control_folder": f"{_dir}/control",
            "polling_interval": 0.2,
        }
    )

# The fan-out's wake-up is published in the committing thread, so a test sees it at once.
WEBHOOK_WAKE_IN_BACKGROUND = False
