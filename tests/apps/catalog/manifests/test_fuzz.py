"""Whatever comes in, validation answers with problems it knows, never an exception."""

import json
import string
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.catalog.manifests import (
    Format,
    ManifestCheck,
    ManifestError,
    ManifestWarning,
    manifest_validate,
    manifest_validate_text,
)
from tests.apps.catalog.manifests.fixtures import valid_manifest


def fuzz(examples: int) -> settings:
    """Modest counts, no deadline, and no example database written into the tree."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
# Words the validator knows, so random values reach past the first check more often.
known_words = st.sampled_from(
    [
        "crm",
        "crm.accounts",
        "user.me",
        "users",
        "read",
        "full",
        "fin.invoices.updated",
        "users.user.created",
        "crm.account.card",
        "main_menu",
        "crm.account",
        "select",
        "reference",
        "secret",
        "https://x.example.com/a",
        "http://localhost/",
        "http://x.example.com/",
        "1.0.0",
        "",
    ]
)


def assert_well_formed(check: ManifestCheck) -> None:
    errors, warnings = set(ManifestError), set(ManifestWarning)
    for problem, codes in [
        *((e, errors) for e in check.errors),
        *((w, warnings) for w in check.warnings),
    ]:
        assert problem.path.startswith("$"), problem
        assert problem.code in codes, problem
        assert isinstance(problem.message, str)
        assert problem.message.strip(), problem
    assert len(set(check.errors)) == len(check.errors)
    assert check.valid is (check.manifest is not None)
    body = check.as_dict()
    assert json.loads(json.dumps(body)) == body


# --- (a) any JSON value ----------------------------------------------------------------------


@fuzz(300)
@given(json_values)
def test_any_json_value_gets_problems_not_an_exception(value):
    assert_well_formed(manifest_validate(value))


@fuzz(150)
@given(st.dictionaries(st.sampled_from(sorted(valid_manifest())), json_values, max_size=9))
def test_any_values_under_the_known_fields(data):
    assert_well_formed(manifest_validate(data))


# --- (b) mutated valid manifests -----------------------------------------------------------------


def _containers(value: Any, path: tuple = ()) -> list[tuple]:
    """The path of every dict and list inside ``value``, itself included."""
    found = []
    if isinstance(value, dict | list):
        found.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found.extend(_containers(item, (*path, key)))
    return found


def _at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


MUTATIONS = ["drop", "retype", "text", "unknown_key", "duplicate", "nest", "known_word"]


@st.composite
def mutated_manifests(draw) -> dict[str, Any]:
    data = valid_manifest()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        container = _at(data, draw(st.sampled_from(_containers(data))))
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "unknown_key" and isinstance(container, dict):
            container[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
            continue
        if not keys:
            container_append = container.append if isinstance(container, list) else None
            if container_append:
                container_append(draw(json_values))
            continue
        key = draw(st.sampled_from(keys))
        if kind == "drop":
            del container[key]
        elif kind == "retype":
            container[key] = draw(json_values)
        elif kind == "text":
            container[key] = draw(st.text(max_size=40))
        elif kind == "duplicate" and isinstance(container, list):
            container.insert(key, json.loads(json.dumps(container[key])))
        elif kind == "nest":
            container[key] = draw(st.sampled_from([[container[key]], {"value": container[key]}]))
        else:
            container[key] = draw(known_words)
    return data


@fuzz(300)
@given(mutated_manifests())
def test_mutated_manifests_get_known_problems(data):
    check = manifest_validate(data)

    assert_well_formed(check)


@fuzz(60)
@given(mutated_manifests())
def test_reading_json_or_yaml_text_changes_nothing(data):
    expected = manifest_validate(data).as_dict()
    as_yaml = yaml.safe_dump(data, sort_keys=False)

    assert manifest_validate_text(json.dumps(data)).as_dict() == expected
    assert manifest_validate_text(as_yaml, fmt=Format.YAML).as_dict() == expected


# --- (c) any text or bytes ---------------------------------------------------------------------

# Pieces of YAML (and JSON) syntax, so random strings reach deep into the parsers.
YAML_PIECES = [*":-[]{},&*!|>'\"#?%@`\t\\\n", "!!", "---", "...", "<<", "\ufeff", "é", "\x00"]
yaml_alphabet = st.sampled_from(
    [*string.ascii_letters[:6], *string.digits[:3], " ", "  ", *YAML_PIECES]
)


@fuzz(300)
@given(st.binary(max_size=300), st.sampled_from([None, Format.JSON, Format.YAML]))
def test_any_bytes_get_problems_not_an_exception(raw, fmt):
    assert_well_formed(manifest_validate_text(raw, fmt=fmt))


@fuzz(300)
@given(st.text(max_size=300), st.sampled_from([None, Format.JSON, Format.YAML]))
def test_any_text_gets_problems_not_an_exception(raw, fmt):
    assert_well_formed(manifest_validate_text(raw, fmt=fmt))


@fuzz(300)
@given(st.lists(yaml_alphabet, max_size=80).map("".join))
def test_yaml_like_text_gets_problems_not_an_exception(raw):
    assert_well_formed(manifest_validate_text(raw))


@fuzz(150)
@given(mutated_manifests(), st.data())
def test_cut_or_spliced_manifest_text_gets_problems_not_an_exception(data, draw):
    text = draw.draw(
        st.sampled_from([json.dumps(data, indent=1), yaml.safe_dump(data, sort_keys=False)])
    )
    start = draw.draw(st.integers(min_value=0, max_value=len(text)))
    end = draw.draw(st.integers(min_value=start, max_value=len(text)))
    junk = draw.draw(st.lists(yaml_alphabet, max_size=5).map("".join))

    assert_well_formed(manifest_validate_text(text[:start] + junk + text[end:]))
