"""The API against its own OpenAPI schema, driven by schemathesis over the live server.

Each operation of ``/api/schema/`` is its own test: schemathesis draws requests from the
schema (random path ids, then the ids of real objects, so the success responses are
checked too), sends them to the live server with an account API key (or an app token for
the operations an app calls), and checks every answer: no server error, a status code the
schema documents, its content type, a body that matches the documented schema, and the
documented headers. A view that drifts from its schema fails here.

The draw is bounded (``EXAMPLES`` per strategy, derandomized under the ``ci`` profile) so
this stays a small part of the suite; ``HYPOTHESIS_PROFILE=explore`` draws new examples.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import MembershipFactory
from tests.factories.accounts import ApiKeyFactory
from tests.factories.catalog import make_app, make_install_link, make_version, manifest_data
from tests.factories.installations import issue_token, make_installation

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
METHODS = ("get", "post", "put", "patch", "delete")


def _operations() -> list[tuple[str, str]]:
    """Every operation of the schema, read once at collection (no database needed); of
    the module record endpoints, which one generic view serves for every registered
    model, those of the first model of each module."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS and _sampled(path)
    ]


def _sampled(path: str) -> bool:
    from apps.modules.registry import registrations

    first: dict[str, str] = {}
    for registration in registrations():
        first.setdefault(registration.module, registration.path)
    record = next((r for r in registrations() if path.startswith(f"/api/v1/{r.path}/")), None)
    return record is None or first[record.module] == record.path


@pytest.fixture(scope="module")
def schema_url(live_server) -> str:
    return f"{live_server.url}/api/schema/?format=json"


@pytest.fixture(scope="module")
def served_schema(schema_url):
    """The schema as the live server serves it, fetched and parsed once for all cases."""
    return schemathesis.openapi.from_url(schema_url)


@pytest.fixture
def world(account, admin, developer) -> dict[str, Any]:
    """The caller's account with an API key, an app of its own with a published version, an
    install link, the app installed on the account and an app token of its admin: real
    ids for the path parameters."""
    key, raw = ApiKeyFactory(account=account)
    app = make_app(account=account, name="Conformance")
    version = make_version(
        app=app,
        status="published",
        scopes=[
            {"code": "users", "level": "read", "reason": "Lists the users."},
            *manifest_data()["scopes"],
        ],
    )
    link, _ = make_install_link(version=version)
    other = MembershipFactory(account=account).user
    installation = make_installation(account=account, version=version, by_user=admin)
    token = issue_token(installation=installation, user=admin)
    return {
        "api_key": raw,
        "app_token": token,
        "ids": {
            "key_id": key.pk,
            "code": str(app.code),
            "number": version.number,
            "installation_id": installation.pk,
            "link_id": link.pk,
            "user_ref": str(other.pk),
        },
    }


def _headers(operation, world: dict[str, Any]) -> dict[str, str]:
    security = operation.definition.raw.get("security") or []
    if any("OAuth2" in requirement for requirement in security):
        return {"Authorization": f"Bearer {world['app_token']}"}
    return {"Authorization": f"Bearer {world['api_key']}"}


def _run(operation, strategy, base_url: str, headers: dict[str, str]) -> None:
    session = requests.Session()

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: v)
def test_the_operation_answers_as_its_schema_says(method, path, served_schema, live_server, world):
    operation = served_schema[path][method]
    headers = _headers(operation, world)
    base_url = live_server.url

    _run(operation, operation.as_strategy(), base_url, headers)

    names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "path"]
    known = {name: world["ids"][name] for name in names if name in world["ids"]}
    if names and len(known) == len(names):
        _run(operation, operation.as_strategy(path_parameters=known), base_url, headers)


def test_a_view_that_drifts_from_its_schema_fails(schema_url, live_server, world):
    """The same checks on a schema that says the scope catalog is a list of numbers: the
    real answer no longer matches, and the check says so."""
    raw = requests.get(schema_url, timeout=30).json()
    raw["paths"]["/api/v1/scopes"]["get"]["responses"]["200"]["content"] = {
        "application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}
    }
    schema = schemathesis.openapi.from_dict(raw)
    operation = schema["/api/v1/scopes"]["GET"]
    headers = {"Authorization": f"Bearer {world['api_key']}"}

    with pytest.raises(FailureGroup) as failure:
        _run(operation, operation.as_strategy(), live_server.url, headers)

    assert "Response violates schema" in str(failure.value)
