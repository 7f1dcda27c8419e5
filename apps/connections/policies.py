"""Pure rules of connections: no ORM, no request.

A connection parameter is checked and stored the way an app-level setting is: a
sensitive parameter is a ``secret`` setting, the others keep their type. So the one
settings rule (``apps.installations.settings_plan``) plans a save of parameters too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from apps.catalog.manifests.connection import SERVICE_URLS, Connection, ConnectionParameter
from apps.catalog.manifests.types import Setting, SettingOption
from apps.installations.settings_plan import SettingsPlan, settings_plan

LEVEL = "app"


def parameter_as_setting(parameter: ConnectionParameter) -> Setting:
    return Setting(
        key=parameter.key,
        level=LEVEL,
        type="secret" if parameter.sensitive else parameter.type,
        label=parameter.label,
        help=parameter.help,
        required=parameter.required,
        options=tuple(SettingOption(o.value, o.label) for o in parameter.options),
    )


def parameters_as_settings(connection: Connection) -> list[Setting]:
    return [parameter_as_setting(p) for p in connection.parameters]


def parameters_plan(
    *,
    connection: Connection,
    values: Mapping[str, Any],
    clear: Collection[str],
    stored: Collection[str],
) -> SettingsPlan:
    """What a save of ``values`` (and removal of the sensitive ``clear`` ones) writes, or
    every problem by key; as ``settings_plan`` answers for app-level settings."""
    return settings_plan(
        settings=parameters_as_settings(connection),
        level=LEVEL,
        values=values,
        uploads={},
        clear=clear,
        stored=stored,
    )


def parameters_missing(connection: Connection, *, set_keys: Iterable[str]) -> tuple[str, ...]:
    """The labels of the required parameters without a stored value."""
    have = set(set_keys)
    return tuple(p.label for p in connection.parameters if p.required and p.key not in have)


def service_key(connection: Connection) -> str:
    """What the stored authorization is for: the connection's type, the outside
    service's URLs and the scopes asked of it. A new version with another key needs a
    reconnect (the manifest diff's ``needs_reconnect`` says the same, version to
    version); fewer scopes keep the authorization."""
    oauth2 = connection.oauth2
    facts = {
        "type": connection.type,
        "urls": [getattr(oauth2, name) for name in SERVICE_URLS] if oauth2 else [],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def scopes_cover(granted: str, wanted: Iterable[str]) -> bool:
    return set(wanted) <= set(granted.split())
