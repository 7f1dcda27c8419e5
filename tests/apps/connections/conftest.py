"""An app with a generic connection (a sensitive API key, a required region) installed
on ``account`` by its admin."""

import pytest

from tests.apps.connections.api_world import (  # noqa: F401 (fixtures)
    app_developer,
    connected,
    globex_installation,
    keys,
    notes,
    publisher,
)
from tests.apps.connections.oauth_world import (  # noqa: F401 (fixtures)
    loopback,
    notes_app,
    oauth_installation,
    provider,
)
from tests.factories import make_app, make_version
from tests.factories.installations import make_installation

GENERIC = {
    "type": "generic",
    "parameters": [
        {"key": "api_key", "label": "API key", "sensitive": True, "required": True},
        {
            "key": "region",
            "label": "Region",
            "type": "select",
            "required": True,
            "options": [{"value": "eu", "label": "Europe"}, {"value": "us", "label": "USA"}],
        },
        {"key": "verbose", "label": "Verbose", "type": "boolean"},
    ],
    "test": {"url": "https://api.example.com/me", "headers": {"X-Key": "{{api_key}}"}},
}

API_KEY = "sk-live-0123456789abcdefWXYZ"


@pytest.fixture
def weather(other_account):
    app = make_app(account=other_account, name="Weather", type="public")
    make_version(app=app, number="1.0.0", status="published", connection=GENERIC)
    return app


@pytest.fixture
def installation(account, admin, weather):
    return make_installation(
        account=account, version=weather.versions.get(number="1.0.0"), by_user=admin
    )
