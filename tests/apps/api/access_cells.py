"""The cells of an API access matrix: what one persona gets from one endpoint.

A refusal names its status and error code, and the call must leave every row as it was.
An allowed cell names its status and its effect: a check of the answer and of the rows
(the key really revoked, the job really back to pending), not the status alone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import get_resolver

from tests.apps.api.helpers import API, api_client, assert_error, snapshot

Effect = Callable[[dict[str, Any], Any], None]  # (objects, response)

# Personas: tests/conftest.py's, ``other_developer`` (a developer of ``other_account``),
# and API keys of ``account`` and of ``other_account`` (tests/apps/catalog/api/helpers.py).
PERSONAS = [
    "anonymous",
    "outsider",
    "other_developer",
    "member",
    "developer",
    "admin",
    "moderator",
    "staff",
    "api_key",
    "other_api_key",
]
# Whose account each persona acts in (None: no account).
ACCOUNT_OF = {
    "anonymous": None,
    "outsider": "globex",
    "other_developer": "globex",
    "member": "acme",
    "developer": "acme",
    "admin": "acme",
    "moderator": None,
    "staff": None,
    "api_key": "acme",
    "other_api_key": "globex",
}


@dataclass(frozen=True)
class Cell:
    status: int
    code: str | None = None  # a refusal's error code
    effect: Effect | None = None  # an allowed call's effect

    def check(self, response, objects: dict[str, Any], before: dict[str, Any]) -> None:
        if self.code is not None:
            assert_error(response, self.status, self.code)
            assert snapshot() == before
            return
        assert response.status_code == self.status, response.content
        assert self.effect is not None
        self.effect(objects, response)


NOT_AUTHENTICATED = Cell(401, "not_authenticated")
DENIED = Cell(403, "permission_denied")
NOT_FOUND = Cell(404, "not_found")


def ok(effect: Effect, status: int = 200) -> Cell:
    return Cell(status, effect=effect)


def cells(default: Cell, **by_persona: Cell) -> dict[str, Cell]:
    unknown = set(by_persona) - set(PERSONAS)
    assert not unknown, unknown
    return {persona: by_persona.get(persona, default) for persona in PERSONAS}


@dataclass(frozen=True)
class Endpoint:
    name: str  # the URL name in its namespace
    method: str
    path: str  # under /api/v1, naming objects in braces
    cells: dict[str, Cell]
    data: dict | None = None

    def call(self, client, objects: dict[str, Any]):
        url = API + self.path.format(**{k: getattr(v, "pk", v) for k, v in objects.items()})
        if self.data is None:
            return getattr(client, self.method)(url)
        return getattr(client, self.method)(url, self.data, format="json")

    def __str__(self) -> str:
        return f"{self.name}:{self.method}"


def persona_client(request, persona: str):
    """A client for ``persona``; an API key has already been used once, so the call under
    test does not write its last_used_at."""
    if persona == "anonymous":
        return api_client()
    if persona in ("api_key", "other_api_key"):
        fixture = "account_key" if persona == "api_key" else "other_key"
        client = api_client(key=request.getfixturevalue(fixture))
        assert client.get(f"{API}/account").status_code == 200
        return client
    return api_client(request.getfixturevalue(persona))


def url_names(namespace: str) -> set[str]:
    resolver = get_resolver().namespace_dict["api"][1].namespace_dict[namespace][1]
    return {name for name in resolver.reverse_dict if isinstance(name, str)}
