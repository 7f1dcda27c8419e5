"""Laptop settings: debug on, http allowed for localhost redirect URIs (the example app)."""

from pathlib import Path

from marketplace.settings.base import *  # noqa: F403
from marketplace.settings.base import OAUTH2_PROVIDER, STATIC_ROOT, env

DEBUG = env.bool("DEBUG", default=True)
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]

# runserver serves static files itself; the folder only has to exist for WhiteNoise.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
