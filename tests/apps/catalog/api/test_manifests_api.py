"""``/api/v1/manifests/{validate,diff,schema}``: dry runs any signed-in user may call.

Access matrix: anonymous callers get 401 (the schema is public); an outsider (admin of
another account), a member without admin or developer rights, a developer, an admin and
an API key may all validate and compare, since nothing is read from or written to an
account. Every call leaves every row as it was.
"""

import json

import pytest
import yaml
from django.apps import apps as django_apps
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string

from apps.catalog.manifests import MAX_BYTES, manifest_schema
from apps.scopes.catalog import get_catalog
from tests.apps.api.helpers import API, api_client, assert_error, snapshot
from tests.apps.catalog.manifests.fixtures import EFFECTIVE_SCOPES, SETTING, valid_manifest
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db

VALIDATE = f"{API}/manifests/validate"
DIFF = f"{API}/manifests/diff"
SCHEMA = f"{API}/manifests/schema"

ALLOWED = ["outsider", "member", "developer", "admin", "api_key"]


def row_counts() -> dict[str, int]:
    """The number of rows of every model: a dry run must not change any."""
    return {model._meta.label: model._default_manager.count() for model in django_apps.get_models()}


@pytest.fixture(params=ALLOWED)
def client(request, account):
    """A client for each persona allowed to call the dry runs."""
    if request.param == "api_key":
        _, raw = ApiKeyFactory(account=account)
        return api_client(key=raw)
    return api_client(request.getfixturevalue(request.param))


@pytest.fixture
def key_client(account):
    _, raw = ApiKeyFactory(account=account)
    return api_client(key=raw)


@pytest.fixture
def csrf_client(member):
    """A console session that enforces CSRF like a browser, with its token at hand."""
    client = api_client(member, csrf=True)
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


def post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def post_yaml(client, url, data):
    return client.post(url, data=yaml.safe_dump(data), content_type="application/yaml")


def invalid_body(response, errors: list[tuple[str, str]]) -> dict:
    """The 400 body of an invalid manifest, with exactly ``errors`` as (path, code)."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["valid", "errors", "warnings", "error"]
    assert body["valid"] is False
    assert [(e["path"], e["code"]) for e in body["errors"]] == errors
    for problem in body["errors"]:
        assert set(problem) == {"path", "code", "message"}
        assert problem["message"]
    count = len(errors)
    assert body["error"] == {
        "code": "invalid_manifest",
        "message": f"The manifest has {count} problem{'s' if count != 1 else ''}; see errors.",
        "fields": {
            path: [e["message"] for e in body["errors"] if e["path"] == path]
            for path in dict.fromkeys(p for p, _ in errors)
        },
    }
    return body


# --- validate ---------------------------------------------------------------------------------


class TestValidate:
    def test_a_valid_json_manifest(self, client):
        before = row_counts()

        response = post_json(client, VALIDATE, valid_manifest())

        assert response.status_code == 200
        assert response.json() == {
            "valid": True,
            "effective_scopes": EFFECTIVE_SCOPES,
            "warnings": [],
        }
        assert row_counts() == before

    def test_a_valid_yaml_manifest(self, client):
        before = row_counts()

        response = post_yaml(client, VALIDATE, valid_manifest())

        assert response.status_code == 200
        assert response.json()["effective_scopes"] == EFFECTIVE_SCOPES
        assert row_counts() == before

    @pytest.mark.parametrize(
        ("content_type", "text"),
        [
            ("text/plain", yaml.safe_dump(valid_manifest())),
            ("text/plain", json.dumps(valid_manifest())),
            ("application/x-yaml", yaml.safe_dump(valid_manifest())),
            ("application/json; charset=utf-8", json.dumps(valid_manifest())),
        ],
        ids=["text-yaml", "text-json", "x-yaml", "json-charset"],
    )
    def test_the_format_follows_the_media_type_or_is_guessed(self, key_client, content_type, text):
        response = key_client.post(VALIDATE, data=text, content_type=content_type)

        assert response.status_code == 200
        assert response.json()["valid"] is True

    def test_warnings_come_with_a_valid_answer(self, key_client):
        data = valid_manifest()
        data["scopes"].append({"code": "crm", "level": "read", "reason": "All of the CRM."})

        response = post_json(key_client, VALIDATE, data)

        assert response.status_code == 200
        body = response.json()
        assert body["effective_scopes"] == ["crm:read", "fin.invoices:full", "users:read"]
        assert [(w["path"], w["code"]) for w in body["warnings"]] == [
            ("$.scopes[0]", "scope_overridden_by_module")
        ]

    def test_an_invalid_manifest_lists_every_problem(self, client):
        data = valid_manifest()
        data["version"] = "1.0"
        data["scopes"][0]["level"] = "write"
        data["scopes"].append({"code": "fin.invoices", "level": "full", "reason": "Again."})
        data["settings"][SETTING["secret"]]["default"] = "changeme"
        before = row_counts()

        response = post_json(client, VALIDATE, data)

        body = invalid_body(
            response,
            [
                ("$.scopes[0].level", "unknown_level"),
                ("$.settings[5].default", "field_not_allowed"),
                ("$.settings[7].model", "model_not_covered"),
                ("$.version", "invalid_semver"),
            ],
        )
        assert [(w["path"], w["code"]) for w in body["warnings"]] == [
            ("$.scopes[3]", "duplicate_scope")
        ]
        assert row_counts() == before

    def test_an_invalid_yaml_manifest(self, key_client):
        text = yaml.safe_dump(valid_manifest()).replace("version: 2.1.0", "version: 2.1")

        response = key_client.post(VALIDATE, data=text, content_type="application/yaml")

        body = invalid_body(response, [("$.version", "wrong_type")])
        assert "quotes" in body["errors"][0]["message"]

    def test_a_body_over_256_kb_is_too_large(self, client):
        text = json.dumps(valid_manifest())
        before = row_counts()

        response = client.post(
            VALIDATE, data=text + " " * (MAX_BYTES + 1 - len(text)), content_type="application/json"
        )

        body = invalid_body(response, [("$", "too_large")])
        assert "256 KB" in body["errors"][0]["message"]
        assert row_counts() == before

    def test_a_body_of_exactly_256_kb_is_read(self, key_client):
        text = json.dumps(valid_manifest())

        response = key_client.post(
            VALIDATE, data=text + " " * (MAX_BYTES - len(text)), content_type="application/json"
        )

        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("body", "content_type", "code"),
        [
            ("{bad", "application/json", "invalid_json"),
            ('{"version": "1.0.0",}', "application/json", "invalid_json"),
            ('{"manifest_version": NaN}', "application/json", "invalid_json"),
            ('{"version": "1.0.0", "version": "1.0.1"}', "application/json", "duplicate_field"),
            ("[" * 5000 + "]" * 5000, "application/json", "too_deep"),
            ("[" * 100_000, "application/json", "too_deep"),
            ('{"a": ' + "9" * 5000 + "}", "application/json", "invalid_json"),
            ("version: 1.0.0\n", "application/json", "invalid_json"),
            ("", "application/json", "invalid_json"),
            (b"\xff\xfe{}", "application/json", "invalid_json"),
            ("a: &x 1\nb: *x\n", "application/yaml", "invalid_yaml"),
            ("a: 1\n---\nb: 2\n", "application/yaml", "invalid_yaml"),
            ("a: .nan\n", "application/yaml", "invalid_value"),
            (
                "--boundary\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--boundary--\r\n",
                "multipart/form-data; boundary=boundary",
                "invalid_yaml",
            ),
        ],
        ids=[
            "unclosed",
            "trailing-comma",
            "nan",
            "duplicate-key",
            "deep",
            "deep-unclosed",
            "huge-integer",
            "yaml-sent-as-json",
            "empty",
            "not-utf8",
            "yaml-alias",
            "yaml-documents",
            "yaml-nan",
            "multipart",
        ],
    )
    def test_unreadable_bodies_are_400_never_500(
        self, key_client, csrf_client, body, content_type, code
    ):
        for client in (key_client, csrf_client):
            response = client.post(VALIDATE, data=body, content_type=content_type)

            invalid_body(response, [("$", code)] if code != "invalid_value" else [("$.a", code)])

    def test_a_console_session_may_send_yaml(self, csrf_client):
        response = post_yaml(csrf_client, VALIDATE, valid_manifest())

        assert response.status_code == 200
        assert response.json()["effective_scopes"] == EFFECTIVE_SCOPES

    def test_a_console_session_needs_the_csrf_token(self, member):
        before = snapshot()

        response = post_json(api_client(member, csrf=True), VALIDATE, valid_manifest())

        error = assert_error(response, 403, "permission_denied")
        assert "CSRF" in error["message"]
        assert snapshot() == before

    def test_anonymous_is_not_authenticated(self, account):
        before = snapshot()

        response = post_json(api_client(), VALIDATE, valid_manifest())

        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert snapshot() == before

    def test_an_unknown_api_key_is_refused(self, db):
        response = post_json(api_client(key="mpk_unknown"), VALIDATE, valid_manifest())

        assert_error(response, 401, "authentication_failed")

    def test_get_is_not_allowed(self, key_client):
        assert_error(key_client.get(VALIDATE), 405, "method_not_allowed")


# --- diff ----------------------------------------------------------------------------------------


def newer_manifest() -> dict:
    data = valid_manifest()
    data["version"] = "2.2.0"
    data["scopes"][0]["level"] = "full"
    data["webhooks"][0]["url"] = "https://invoicer.example.com/v2/hooks"
    return data


class TestDiff:
    def test_two_valid_manifests(self, client):
        before = row_counts()

        response = post_json(client, DIFF, {"old": valid_manifest(), "new": newer_manifest()})

        assert response.status_code == 200
        body = response.json()
        assert body["from_version"] == "2.1.0"
        assert body["to_version"] == "2.2.0"
        assert body["needs_consent"] is True
        assert body["scopes"] == {
            "added": [],
            "removed": [],
            "raised": [{"code": "crm.accounts", "from": "read", "to": "full"}],
            "lowered": [],
            "exceeding": ["crm.accounts:full"],
        }
        assert body["webhooks"]["changed"] == [
            {
                "id": "invoice-updated",
                "changes": {
                    "url": {
                        "from": "https://invoicer.example.com/hooks/invoices",
                        "to": "https://invoicer.example.com/v2/hooks",
                    }
                },
            }
        ]
        assert body["other"] == {}
        assert row_counts() == before

    def test_identical_manifests(self, key_client):
        response = post_json(key_client, DIFF, {"old": valid_manifest(), "new": valid_manifest()})

        assert response.status_code == 200
        body = response.json()
        assert body["needs_consent"] is False
        assert body["scopes"]["added"] == body["scopes"]["removed"] == []
        assert body["webhooks"] == {"added": [], "removed": [], "changed": []}

    def test_yaml_body(self, csrf_client):
        response = post_yaml(csrf_client, DIFF, {"old": valid_manifest(), "new": newer_manifest()})

        assert response.status_code == 200
        assert response.json()["needs_consent"] is True

    def test_errors_of_an_invalid_side_are_under_its_name(self, client):
        new = newer_manifest()
        new["version"] = "2.2"
        new["webhooks"][0]["url"] = "http://invoicer.example.com/hooks"
        before = row_counts()

        response = post_json(client, DIFF, {"old": valid_manifest(), "new": new})

        invalid_body(
            response,
            [("$.new.version", "invalid_semver"), ("$.new.webhooks[0].url", "insecure_url")],
        )
        assert row_counts() == before

    def test_errors_of_both_sides(self, key_client):
        old = valid_manifest()
        del old["scopes"]
        new = newer_manifest()
        new["authorization"] = "everyone"

        response = post_json(key_client, DIFF, {"old": old, "new": new})

        invalid_body(
            response,
            [
                ("$.old.scopes", "missing_field"),
                ("$.old.settings[7].model", "model_not_covered"),
                ("$.old.webhooks[0].event", "event_not_covered"),
                ("$.new.authorization", "invalid_choice"),
            ],
        )

    def test_a_side_that_is_not_an_object(self, key_client):
        response = post_json(key_client, DIFF, {"old": valid_manifest(), "new": "2.2.0"})

        invalid_body(response, [("$.new", "wrong_type")])

    @pytest.mark.parametrize("missing", ["old", "new"])
    def test_a_missing_side(self, key_client, missing):
        data = {"old": valid_manifest(), "new": newer_manifest()}
        del data[missing]

        response = post_json(key_client, DIFF, data)

        body = invalid_body(response, [(f"$.{missing}", "missing_field")])
        assert f"'{missing}'" in body["errors"][0]["message"]

    def test_an_unknown_key(self, key_client):
        data = {"old": valid_manifest(), "new": newer_manifest(), "newer": {}}

        response = post_json(key_client, DIFF, data)

        body = invalid_body(response, [("$.newer", "unknown_field")])
        assert "'newer'" in body["errors"][0]["message"]

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            ("[]", [("$", "wrong_type")]),
            ("{}", [("$.old", "missing_field"), ("$.new", "missing_field")]),
            ("{bad", [("$", "invalid_json")]),
            ('{"old": {}, "old": {}}', [("$", "duplicate_field")]),
            ("[" * 5000, [("$", "too_deep")]),
        ],
        ids=["array", "empty-object", "malformed", "duplicate-key", "deep"],
    )
    def test_unusable_bodies(self, key_client, csrf_client, body, errors):
        for client in (key_client, csrf_client):
            response = client.post(DIFF, data=body, content_type="application/json")

            invalid_body(response, errors)

    def test_a_body_over_the_limit_is_too_large(self, key_client):
        response = key_client.post(
            DIFF, data="{" + " " * (2 * MAX_BYTES + 1024) + "}", content_type="application/json"
        )

        invalid_body(response, [("$", "too_large")])

    def test_two_large_manifests_are_each_held_to_their_own_limit(self, key_client):
        def large(manifest: dict) -> dict:
            options = [{"value": f"v{i}", "label": "l" * 200} for i in range(200)]
            manifest["settings"] += [
                {
                    "key": f"big{n}",
                    "level": "app",
                    "type": "select",
                    "label": "Big",
                    "options": options,
                }
                for n in range(3)
            ]
            return manifest

        old, new = large(valid_manifest()), large(newer_manifest())
        sizes = [len(json.dumps(m)) for m in (old, new)]
        assert all(MAX_BYTES // 2 < size <= MAX_BYTES for size in sizes), sizes

        response = post_json(key_client, DIFF, {"old": old, "new": new})

        assert response.status_code == 200, response.content
        assert response.json()["to_version"] == "2.2.0"

    def test_a_side_over_256_kb_is_too_large(self, key_client):
        old = valid_manifest()
        old["scopes"][0]["reason"] = "r" * (MAX_BYTES + 1)

        response = post_json(key_client, DIFF, {"old": old, "new": newer_manifest()})

        body = invalid_body(response, [("$.old", "too_large")])
        assert "256 KB" in body["errors"][0]["message"]

    def test_anonymous_is_not_authenticated(self, account):
        before = snapshot()

        response = post_json(api_client(), DIFF, {"old": valid_manifest(), "new": valid_manifest()})

        assert_error(response, 401, "not_authenticated")
        assert snapshot() == before


# --- schema ---------------------------------------------------------------------------------------


class TestSchema:
    def test_anonymous_may_read_it(self, db):
        response = api_client().get(SCHEMA)

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/schema+json")
        assert response.json() == json.loads(json.dumps(manifest_schema(get_catalog())))

    def test_every_persona_may_read_it(self, client):
        before = row_counts()

        response = client.get(SCHEMA)

        assert response.status_code == 200
        assert response.json()["$id"] == "urn:marketplace:manifest:v1"
        assert row_counts() == before
