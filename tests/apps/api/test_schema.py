"""The OpenAPI 3 schema at /api/schema/ and the self-hosted docs at /api/docs/."""

import re

import pytest

from apps.modules.registry import registrations
from tests.apps.api.helpers import API

pytestmark = pytest.mark.django_db

# The module record endpoints, one pair per registered model (apps.modules.registry).
RECORD_PATHS = {
    path
    for registration in registrations()
    for path in (f"{API}/{registration.path}/", f"{API}/{registration.path}/{{record_id}}/")
}


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
        f"{API}/connection",
        f"{API}/api-keys",
        f"{API}/api-keys/{{key_id}}",
        f"{API}/api-keys/{{key_id}}/revoke",
        f"{API}/account/history",
        f"{API}/members",
        f"{API}/members/{{user_id}}",
        f"{API}/invitations",
        f"{API}/invitations/{{invitation_id}}",
        f"{API}/invitations/{{invitation_id}}/resend",
        f"{API}/invitations/{{invitation_id}}/revoke",
        f"{API}/roles",
        f"{API}/roles/{{role_id}}",
        f"{API}/groups",
        f"{API}/groups/{{group_id}}",
        f"{API}/jobs",
        f"{API}/jobs/{{job_id}}",
        f"{API}/jobs/{{job_id}}/retry",
        f"{API}/scopes",
        f"{API}/manifests/schema",
        f"{API}/manifests/validate",
        f"{API}/manifests/diff",
        f"{API}/apps",
        f"{API}/apps/{{code}}",
        f"{API}/apps/{{code}}/activate",
        f"{API}/apps/{{code}}/deactivate",
        f"{API}/apps/{{code}}/list",
        f"{API}/apps/{{code}}/unlist",
        f"{API}/apps/{{code}}/logo",
        f"{API}/apps/{{code}}/banners",
        f"{API}/apps/{{code}}/banners/{{banner_id}}",
        f"{API}/apps/{{code}}/credentials",
        f"{API}/apps/{{code}}/credentials/rotate",
        f"{API}/apps/{{code}}/outside-client",
        f"{API}/apps/{{code}}/connection-tests",
        f"{API}/installations/{{installation_id}}/connection",
        f"{API}/installations/{{installation_id}}/connection/connect",
        f"{API}/installations/{{installation_id}}/connection/test",
        f"{API}/installations/{{installation_id}}/connection/refresh",
        f"{API}/installations/{{installation_id}}/connection/disconnect",
        f"{API}/apps/{{code}}/webhooks/secret",
        f"{API}/apps/{{code}}/webhooks/secret/rotate",
        f"{API}/apps/{{code}}/webhooks/deliveries",
        f"{API}/apps/{{code}}/webhooks/deliveries/replay-failed",
        f"{API}/apps/{{code}}/webhooks/subscriptions",
        f"{API}/apps/{{code}}/webhooks/subscriptions/{{subscription_id}}/enable",
        f"{API}/installations/{{installation_id}}/webhooks",
        f"{API}/installations/{{installation_id}}/webhooks/{{subscription_id}}",
        f"{API}/installations/{{installation_id}}/webhooks/{{subscription_id}}/enable",
        f"{API}/apps/{{code}}/webhooks/deliveries/{{delivery_id}}",
        f"{API}/apps/{{code}}/webhooks/deliveries/{{delivery_id}}/replay",
        f"{API}/webhooks/signing-key",
        f"{API}/apps/{{code}}/versions",
        f"{API}/apps/{{code}}/versions/{{number}}",
        f"{API}/apps/{{code}}/versions/{{number}}/submit",
        f"{API}/apps/{{code}}/versions/{{number}}/withdraw",
        f"{API}/apps/{{code}}/versions/{{number}}/publish",
        f"{API}/apps/{{code}}/versions/{{number}}/hide",
        f"{API}/apps/{{code}}/versions/{{number}}/diff",
        f"{API}/apps/{{code}}/versions/{{number}}/history",
        f"{API}/apps/{{code}}/versions/{{number}}/install-links",
        f"{API}/apps/{{code}}/versions/{{number}}/install-links/{{link_id}}/revoke",
        f"{API}/install-links/{{token}}",
        f"{API}/marketplace/apps",
        f"{API}/marketplace/apps/{{code}}",
        f"{API}/moderation/queue",
        f"{API}/moderation/versions/{{version_id}}",
        f"{API}/moderation/versions/{{version_id}}/claim",
        f"{API}/moderation/versions/{{version_id}}/release",
        f"{API}/moderation/versions/{{version_id}}/approve",
        f"{API}/moderation/versions/{{version_id}}/reject",
        f"{API}/users/me",
        f"{API}/users",
        f"{API}/installation",
        f"{API}/installation/user-settings",
        f"{API}/installations",
        f"{API}/installations/{{installation_id}}",
        f"{API}/installations/{{installation_id}}/uninstall",
        f"{API}/installations/{{installation_id}}/pin",
        f"{API}/installations/{{installation_id}}/unpin",
        f"{API}/installations/{{installation_id}}/access",
        f"{API}/installations/{{installation_id}}/update",
        f"{API}/installations/{{installation_id}}/history",
        f"{API}/installations/{{installation_id}}/settings",
        f"{API}/installations/{{installation_id}}/settings/{{key}}/file",
        f"{API}/installations/{{installation_id}}/users/{{user_ref}}/settings",
        f"{API}/installations/{{installation_id}}/users/{{user_ref}}/settings/{{key}}/file",
        *RECORD_PATHS,
    }
    assert set(schema["paths"][f"{API}/api-keys"]) == {"get", "post"}
    assert set(schema["paths"][f"{API}/apps/{{code}}"]) == {"get", "patch", "delete"}
    assert set(schema["paths"][f"{API}/apps/{{code}}/versions/{{number}}"]) == {
        "get",
        "put",
        "patch",
    }


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

    assert set(post["responses"]) == {"201", "400", "401", "403", "409", "415", "429"}
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

    assert set(post["responses"]) == {"200", "400", "401", "403", "415", "429"}
    assert set(post["requestBody"]["content"]) == {"application/json", "application/yaml"}
    example = post["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(example.values()))["value"]["manifest_version"] == 1


def _component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_a_version_is_created_from_a_body_or_a_file_and_refusals_are_documented(schema):
    post = schema["paths"][f"{API}/apps/{{code}}/versions"]["post"]

    assert set(post["requestBody"]["content"]) == {
        "application/json",
        "application/yaml",
        "multipart/form-data",
    }
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    assert set(_component(schema, form)["properties"]) == {"manifest", "changelog"}
    assert set(post["responses"]) == {"201", "400", "401", "403", "404", "409", "415", "429"}
    assert [p["name"] for p in post["parameters"] if p["in"] == "query"] == ["changelog"]
    example = post["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(example.values()))["value"]["manifest_version"] == 1
    submit = schema["paths"][f"{API}/apps/{{code}}/versions/{{number}}/submit"]["post"]
    assert "illegal_transition" in submit["description"]


def test_secrets_appear_only_in_the_answers_that_show_them_once(schema):
    created = schema["paths"][f"{API}/apps"]["post"]["responses"]["201"]
    component = _component(schema, created["content"]["application/json"]["schema"]["$ref"])
    assert "credentials" in component["properties"]
    assert "credentials" not in schema["components"]["schemas"]["AppOutput"]["properties"]
    rotated = schema["paths"][f"{API}/apps/{{code}}/credentials/rotate"]["post"]["responses"]
    rotated_ref = rotated["200"]["content"]["application/json"]["schema"]["$ref"]
    assert "client_secret" in _component(schema, rotated_ref)["properties"]
    shown = schema["paths"][f"{API}/apps/{{code}}/credentials"]["get"]["responses"]["200"]
    shown_ref = shown["content"]["application/json"]["schema"]["$ref"]
    assert set(_component(schema, shown_ref)["properties"]) == {"client_id", "rotated_at"}


def test_every_new_endpoint_has_a_summary_and_a_tag(schema):
    for path, operations in schema["paths"].items():
        if not path.startswith((f"{API}/apps", f"{API}/moderation", f"{API}/marketplace")):
            continue
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)


def test_the_marketplace_needs_no_credentials(schema):
    listing = schema["paths"][f"{API}/marketplace/apps"]["get"]

    assert {} in listing["security"]
    assert [p["name"] for p in listing["parameters"] if p["in"] == "query"] == [
        "authorization",
        "module",
        "page",
        "page_size",
        "search",
    ]


def test_every_operation_documents_its_errors_with_the_error_body(schema):
    """401 and 429 everywhere; every error response has a body, the one error body unless
    the operation documents a richer one (a manifest check's problems)."""
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation["responses"]
            assert {"401", "429"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    body = response["content"]["application/json"]["schema"]
                    assert body == error or "valid" in body.get("properties", {}), (
                        method,
                        path,
                        status,
                    )
            if "{" in path:
                assert "404" in responses, (method, path)


def test_paginated_lists_are_documented_as_pages(schema):
    for path in (
        "api-keys",
        "jobs",
        "users",
        "installations",
        "apps",
        "apps/{code}/webhooks/deliveries",
    ):
        get = schema["paths"][f"{API}/{path}"]["get"]
        ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = _component(schema, ref)
        assert set(page["properties"]) == {"count", "next", "previous", "results"}, path
        assert {"page", "page_size"} <= {p["name"] for p in get["parameters"]}, path


def test_every_registered_model_is_documented_with_its_filters_and_examples(schema):
    for registration in registrations():
        listing = schema["paths"][f"{API}/{registration.path}/"]
        detail = schema["paths"][f"{API}/{registration.path}/{{record_id}}/"]
        assert set(listing) == {"get", "post"}
        assert set(detail) == {"get", "patch", "delete"}
        names = {p["name"] for p in listing["get"]["parameters"]}
        assert {"cursor", "page_size", "ordering", "owner", "updated_since"} <= names
        assert ("search" in names) is bool(registration.search_fields)
        body = listing["post"]["requestBody"]["content"]["application/json"]
        assert body["examples"], registration.code
        assert {"ApiKey": []} in listing["get"]["security"]
        assert "If-Match" in {p["name"] for p in detail["patch"]["parameters"]}


def test_every_app_api_operation_lists_the_scopes_it_needs(schema):
    """Each record operation's security, generated from the registry: one OAuth2
    requirement per scope that allows it (read scopes for GET, full for writes), and the
    API key beside them."""
    from apps.scopes.policies import scopes_needed_for

    for registration in registrations():
        for path, methods in (
            (f"{API}/{registration.path}/", ("get", "post")),
            (f"{API}/{registration.path}/{{record_id}}/", ("get", "patch", "delete")),
        ):
            for method in methods:
                level = "read" if method == "get" else "full"
                needed = scopes_needed_for(model=registration.code, level=level)
                assert needed, registration.code
                assert schema["paths"][path][method]["security"] == [
                    *({"OAuth2": [scope]} for scope in needed),
                    {"ApiKey": []},
                ], (method, path)


def test_the_users_and_installation_operations_list_their_scopes(schema):
    security = {
        path: schema["paths"][f"{API}/{path}"]["get"]["security"]
        for path in ("users/me", "users", "installation", "connection")
    }

    assert security == {
        "users/me": [{"OAuth2": ["users:read"]}, {"OAuth2": ["user.me:read"]}],
        "users": [{"OAuth2": ["users:read"]}],
        "installation": [{"OAuth2": []}],
        "connection": [{"OAuth2": []}],
    }
    crm = schema["paths"][f"{API}/crm/account/"]
    assert crm["get"]["security"][:2] == [
        {"OAuth2": ["crm:read"]},
        {"OAuth2": ["crm.accounts:read"]},
    ]
    assert crm["post"]["security"][:2] == [
        {"OAuth2": ["crm:full"]},
        {"OAuth2": ["crm.accounts:full"]},
    ]
    scheme_scopes = schema["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"][
        "scopes"
    ]
    listed = {
        scope
        for methods in schema["paths"].values()
        for operation in methods.values()
        for requirement in operation.get("security", [])
        for scope in requirement.get("OAuth2", [])
    }
    assert listed <= set(scheme_scopes)
