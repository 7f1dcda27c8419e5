"""The OpenAPI 3 schema at /api/schema/ and the self-hosted docs at /api/docs/."""

import re

import pytest

from tests.apps.api.helpers import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_schema_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Marketplace API"


def test_schema_lists_every_endpoint(schema):
    assert set(schema["paths"]) == {
        f"{API}/",
        f"{API}/account",
        f"{API}/api-keys",
        f"{API}/api-keys/{{key_id}}",
        f"{API}/api-keys/{{key_id}}/revoke",
        f"{API}/jobs",
        f"{API}/jobs/{{job_id}}",
        f"{API}/jobs/{{job_id}}/retry",
        f"{API}/scopes",
        f"{API}/manifests/schema",
        f"{API}/manifests/validate",
        f"{API}/manifests/diff",
    }
    assert set(schema["paths"][f"{API}/api-keys"]) == {"get", "post"}


def test_schema_declares_the_api_key_security_scheme(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["ApiKey"]["type"] == "http"
    assert schemes["ApiKey"]["scheme"] == "bearer"
    assert schemes["Session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "The console session; unsafe methods also need the X-CSRFToken header.",
    }
    security = schema["paths"][f"{API}/api-keys"]["get"]["security"]
    assert {"ApiKey": []} in security


def test_created_key_is_documented_as_shown_once(schema):
    post = schema["paths"][f"{API}/api-keys"]["post"]

    assert set(post["responses"]) == {"201"}
    ref = post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "key" in component["properties"]
    listed = schema["components"]["schemas"]["ApiKeyOutput"]["properties"]
    assert "key" not in listed
    assert "key_hash" not in listed


def test_schema_defaults_to_yaml(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


def test_docs_are_html_that_load_nothing_from_outside(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for external in ("https://cdn", "unpkg", "jsdelivr", "http://", "https://", "//cdn"):
        assert external not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets)
    assert 'url: "/api/schema/"' in page


def test_manifest_validation_documents_both_answers_and_both_body_formats(schema):
    post = schema["paths"][f"{API}/manifests/validate"]["post"]

    assert set(post["responses"]) == {"200", "400"}
    assert set(post["requestBody"]["content"]) == {"application/json", "application/yaml"}
    example = post["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(example.values()))["value"]["manifest_version"] == 1
