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
)

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
SECRET_PEPPER = "test-pepper"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "apps.core.hashers.HMACSHA256PepperHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests clear the cache between them; a shared Redis must never be flushed by a test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = str(VAR_DIR / "test-media")
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a worker process started by the tests reads the same data.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TEST_SQLITE_PATH", str(VAR_DIR / "test-db.sqlite3"))
    }

if "data_folder_in" in CELERY_BROKER_TRANSPORT_OPTIONS:
    _dir = os.environ.get("CELERY_FILESYSTEM_DIR", str(VAR_DIR / "test-broker"))
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": f"{_dir}/queue",
            "data_folder_out": f"{_dir}/queue",
            "control_folder": f"{_dir}/control",
            "polling_interval": 0.2,
        }
    )
