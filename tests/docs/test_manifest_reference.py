"""docs/manifest.md is what developers write manifests from: its example must validate,
and it must name every code, scope and location the validator knows."""

import json
import re
from pathlib import Path

import pytest

from apps.catalog.manifests import ManifestError, ManifestWarning, manifest_validate
from apps.catalog.manifests.reading import manifest_read
from apps.scopes.catalog import build_catalog

DOC = Path(__file__).resolve().parents[2] / "docs" / "manifest.md"


@pytest.fixture(scope="module")
def text() -> str:
    return DOC.read_text()


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_complete_example_is_valid_without_warnings(text):
    example = json.loads(_blocks(text, "json")[0])

    check = manifest_validate(example, catalog=build_catalog())

    assert check.errors == ()
    assert check.warnings == ()
    assert check.effective_scopes == ("crm.accounts:read", "fin.invoices:full", "user.me:read")
    shown = json.loads(_blocks(text, "json")[1])
    assert shown == check.as_dict()


def test_the_yaml_example_reads_as_the_start_of_the_json_one(text):
    yaml_example = manifest_read(_blocks(text, "yaml")[0]).data
    json_example = json.loads(_blocks(text, "json")[0])

    for key in ("manifest_version", "version", "authorization"):
        assert yaml_example[key] == json_example[key]
    assert yaml_example["scopes"] == json_example["scopes"][:2]
    assert yaml_example["webhooks"] == json_example["webhooks"][:1]
    assert manifest_validate(yaml_example, catalog=build_catalog()).valid


@pytest.mark.parametrize("code", [*ManifestError, *ManifestWarning], ids=str)
def test_every_problem_code_is_documented(text, code):
    assert f"| `{code}` |" in text


def test_every_scope_and_location_of_the_default_catalog_is_documented(text):
    catalog = build_catalog()

    for code in catalog.scopes:
        assert f"| `{code}` |" in text
    for code in catalog.locations:
        assert f"| `{code}` |" in text
    for model in catalog.models:
        assert f"`{model}`" in text
