"""Laptop settings: debug on, http allowed for localhost redirect URIs (the example app)."""

from marketplace.settings.base import *  # noqa: F403
from marketplace.settings.base import OAUTH2_PROVIDER, env

DEBUG = env.bool("DEBUG", default=True)
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]
