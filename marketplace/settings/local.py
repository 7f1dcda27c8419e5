"""Laptop settings: debug on, http allowed for localhost redirect URIs (the example app)."""

from pathlib import Path

from marketplace.settings.base import *  # noqa: F403
from marketplace.settings.base import OAUTH2_PROVIDER, STATIC_ROOT, env

DEBUG = env.bool("DEBUG", default=True)
OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["https", "http"]

# The example provider (examples/provider) runs on this machine: outbound calls may reach
# loopback here, never in production unless OUTBOUND_ALLOWED_NETWORKS says so.
OUTBOUND_ALLOWED_NETWORKS = env.list(
    "OUTBOUND_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"]
)

# runserver serves static files itself; the folder only has to exist for WhiteNoise.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
