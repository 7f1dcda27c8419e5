"""The JSON Schema of manifest v1: a valid draft 2020-12 schema that plain jsonschema
tools can use, built from the scope catalog."""

import json

import pytest
from jsonschema import Draft202012Validator

from apps.catalog.manifests import manifest_schema
from apps.catalog.manifests.schema import SETTING_TYPES
from apps.scopes.catalog import build_catalog, get_catalog
from tests.apps.catalog.manifests.fixtures import SETTING, valid_manifest


@pytest.fixture
def schema():
    return manifest_schema(get_catalog())


def item(schema, section: str) -> dict:
    return schema["properties"][section]["items"]


def test_it_is_a_valid_draft_2020_12_schema(schema):
    Draft202012Validator.check_schema(schema)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:marketplace:manifest:v1"


def test_it_is_plain_json(schema):
    assert json.loads(json.dumps(schema)) == schema


def test_it_lists_every_scope_event_location_and_model_of_the_catalog(schema):
    catalog = get_catalog()

    scopes = item(schema, "scopes")["properties"]["code"]["enum"]
    events = item(schema, "webhooks")["properties"]["event"]["enum"]
    locations = item(schema, "embeddings")["properties"]["location"]["enum"]
    models = item(schema, "settings")["properties"]["model"]["enum"]

    assert set(scopes) == set(catalog.scopes)
    assert {"crm", "crm.accounts", "crm.deals", "fin.invoices", "user.me", "users"} <= set(scopes)
    assert set(events) == set(catalog.events) | {"app.installed", "app.updated", "app.uninstalled"}
    assert events[-3:] == ["app.installed", "app.updated", "app.uninstalled"]
    assert {"crm.account.created", "users.user.deleted", "fin.invoices.updated"} <= set(events)
    assert set(locations) == set(catalog.locations)
    assert {"main_menu", "crm.deal.card", "users.profile.card"} <= set(locations)
    assert set(models) == set(catalog.models)
    for values in (scopes, events, locations, models):
        assert len(values) == len(set(values))
        assert all(type(value) is str for value in json.loads(json.dumps(values)))


def test_it_lists_the_levels_and_setting_types(schema):
    assert item(schema, "scopes")["properties"]["level"]["enum"] == ["read", "full"]
    assert item(schema, "settings")["properties"]["type"]["enum"] == list(SETTING_TYPES)
    assert list(SETTING) == list(SETTING_TYPES)


def test_the_valid_manifest_validates_with_plain_jsonschema(schema):
    errors = list(Draft202012Validator(schema).iter_errors(valid_manifest()))

    assert errors == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(manifest_version=2), ["manifest_version"]),
        (lambda d: d.pop("scopes"), []),
        (lambda d: d["scopes"][0].update(code="crm.everything"), ["scopes", 0, "code"]),
        (lambda d: d["webhooks"][0].update(event="crm.account.renamed"), ["webhooks", 0, "event"]),
        (lambda d: d["settings"][SETTING["select"]].pop("options"), ["settings", 4]),
        (lambda d: d["settings"][SETTING["reference"]].pop("model"), ["settings", 7]),
        (lambda d: d.update(version="1.0"), ["version"]),
    ],
    ids=[
        "manifest-version",
        "missing-scopes",
        "unknown-scope",
        "unknown-event",
        "select-without-options",
        "reference-without-model",
        "not-semver",
    ],
)
def test_plain_jsonschema_catches_structural_mistakes(schema, change, path):
    data = valid_manifest()
    change(data)

    errors = list(Draft202012Validator(schema).iter_errors(data))

    assert [list(error.absolute_path) for error in errors] == [path]


def test_a_host_extension_of_the_catalog_shapes_the_schema():
    catalog = build_catalog(
        {
            "modules": {"crm": {"models": ["crm.quote"]}},
            "scopes": {
                "crm.quotes": {"module": "crm", "description": "Quotes", "models": ["crm.quote"]}
            },
            "locations": {
                "crm.quote.card": {
                    "label": "Quote",
                    "description": "A quote.",
                    "model": "crm.quote",
                }
            },
        }
    )

    schema = manifest_schema(catalog)

    assert "crm.quotes" in item(schema, "scopes")["properties"]["code"]["enum"]
    assert "crm.quote.updated" in item(schema, "webhooks")["properties"]["event"]["enum"]
    assert "crm.quote.card" in item(schema, "embeddings")["properties"]["location"]["enum"]
    assert "crm.quote" in item(schema, "settings")["properties"]["model"]["enum"]
    Draft202012Validator.check_schema(schema)
