"""Reading manifest text: JSON or YAML, safely, into plain JSON data or problems."""

import json

import pytest
import yaml

from apps.catalog.manifests import (
    MAX_BYTES,
    MAX_DEPTH,
    Format,
    ManifestError,
    format_for,
    manifest_read,
    manifest_validate_text,
)
from tests.apps.catalog.manifests.fixtures import EFFECTIVE_SCOPES, valid_manifest

BOM = b"\xef\xbb\xbf"


def json_text() -> str:
    return json.dumps(valid_manifest(), indent=2)


def yaml_text() -> str:
    return yaml.safe_dump(valid_manifest(), sort_keys=False)


def problems(reading) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in reading.problems]


def refused(reading, code: str, *mentions: str) -> None:
    assert problems(reading) == [("$", code)]
    assert reading.data is None
    assert not reading.ok
    for mention in mentions:
        assert mention in reading.problems[0].message


# --- JSON and YAML ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [json_text(), yaml_text()], ids=["json", "yaml"])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_json_and_yaml_read_to_the_same_data(text, as_bytes):
    reading = manifest_read(text.encode() if as_bytes else text)

    assert reading.ok
    assert reading.problems == ()
    assert reading.data == valid_manifest()


@pytest.mark.parametrize("text", [json_text(), yaml_text()], ids=["json", "yaml"])
def test_json_and_yaml_manifests_validate(text):
    check = manifest_validate_text(text)

    assert check.errors == ()
    assert list(check.effective_scopes) == EFFECTIVE_SCOPES


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{version: 1.0.0}", ManifestError.INVALID_JSON),  # flow YAML, but starts like JSON
        ("  \n\t[1, 2,]", ManifestError.INVALID_JSON),
        ("version: [1.0.0", ManifestError.INVALID_YAML),
        ("# a comment\n{version: [1.0.0}", ManifestError.INVALID_YAML),
    ],
    ids=["brace-means-json", "bracket-after-whitespace-means-json", "other-means-yaml", "comment"],
)
def test_the_format_is_guessed_from_the_first_character(text, code):
    refused(manifest_read(text), code)


def test_json_after_a_yaml_comment_is_read_as_yaml():
    reading = manifest_read('# generated\n{"version": "1.0.0"}')

    assert reading.data == {"version": "1.0.0"}


def test_an_explicit_format_wins_over_the_guess():
    assert manifest_read(json_text(), fmt=Format.YAML).data == valid_manifest()
    refused(manifest_read(yaml_text(), fmt=Format.JSON), ManifestError.INVALID_JSON, "line 1")


@pytest.mark.parametrize(
    ("media_type", "filename", "expected"),
    [
        ("application/json", None, Format.JSON),
        ("application/json; charset=utf-8", None, Format.JSON),
        ("application/vnd.marketplace+json", None, Format.JSON),
        ("APPLICATION/YAML", None, Format.YAML),
        ("application/x-yaml", None, Format.YAML),
        ("text/yaml; charset=utf-8", None, Format.YAML),
        ("text/x-yaml", None, Format.YAML),
        ("text/plain", None, None),
        (None, "manifest.json", Format.JSON),
        (None, "manifest.YAML", Format.YAML),
        (None, "manifest.yml", Format.YAML),
        (None, "manifest.txt", None),
        (None, "-", None),
        ("text/plain", "manifest.yml", Format.YAML),
        ("application/json", "manifest.yml", Format.JSON),
        (None, None, None),
    ],
    ids=lambda value: str(value),
)
def test_format_for(media_type, filename, expected):
    assert format_for(media_type=media_type, filename=filename) is expected


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [json_text(), yaml_text()], ids=["json", "yaml"])
def test_a_utf8_byte_order_mark_is_accepted(text):
    reading = manifest_read(BOM + text.encode())

    assert reading.data == valid_manifest()


def test_non_ascii_text_is_kept():
    reading = manifest_read('{"label": "Régión 北京 🚀"}'.encode())

    assert reading.data == {"label": "Régión 北京 🚀"}


@pytest.mark.parametrize(
    ("raw", "fmt", "code", "byte"),
    [
        ('{"label": "Région"}'.encode("latin-1"), None, ManifestError.INVALID_JSON, "byte 13"),
        (
            '{"label": "Région"}'.encode("latin-1"),
            Format.JSON,
            ManifestError.INVALID_JSON,
            "byte 13",
        ),
        ("label: Région".encode("cp1252"), Format.YAML, ManifestError.INVALID_YAML, "byte 9"),
        ('{"a": 1}'.encode("utf-16"), None, ManifestError.INVALID_YAML, "byte 1"),
    ],
    ids=["latin-1-guessed", "latin-1-json", "cp1252-yaml", "utf-16"],
)
def test_text_that_is_not_utf8_is_refused(raw, fmt, code, byte):
    # The offset of the first bad byte, counted from 0 like a hex editor does.
    refused(manifest_read(raw, fmt=fmt), code, "not UTF-8", byte)


def test_unpaired_surrogates_are_refused():
    refused(manifest_read('{"label": "\ud800"}'), ManifestError.INVALID_VALUE, "surrogates")


@pytest.mark.parametrize("raw", ["", b"", "   \n\t ", BOM, "\n\n"], ids=repr)
def test_empty_input_is_refused(raw):
    refused(manifest_read(raw), ManifestError.INVALID_JSON, "empty")


# --- only JSON values come out ----------------------------------------------------------------


def test_yaml_dates_and_times_stay_strings():
    reading = manifest_read("released: 2024-01-31\nat: 2024-01-31T10:00:00Z\nversion: 1.0.0\n")

    assert reading.data == {
        "released": "2024-01-31",
        "at": "2024-01-31T10:00:00Z",
        "version": "1.0.0",
    }


def test_a_yaml_date_as_version_is_reported_as_a_bad_version_not_a_crash():
    text = yaml_text().replace("version: 2.1.0", "version: 2024-01-31")

    check = manifest_validate_text(text)

    assert [(e.path, e.code) for e in check.errors] == [("$.version", "invalid_semver")]
    assert '"2024-01-31"' in check.errors[0].message


def test_yaml_scalars_become_json_scalars():
    reading = manifest_read("a: yes\nb: ~\nc: 0x10\nd: 1.5\ne: '1.0'\nf: 1_000\n")

    assert reading.data == {"a": True, "b": None, "c": 16, "d": 1.5, "e": "1.0", "f": 1000}


def test_an_unquoted_yaml_version_is_a_number_and_is_reported_as_such():
    text = yaml_text().replace("version: 2.1.0", "version: 2.1")

    check = manifest_validate_text(text)

    assert [(e.path, e.code) for e in check.errors] == [("$.version", "wrong_type")]
    assert "quotes" in check.errors[0].message


@pytest.mark.parametrize(
    ("text", "path", "mention"),
    [
        ("a: .nan\n", "$.a", "finite"),
        ("a: [1, .inf]\n", "$.a[1]", "finite"),
        ("a: {b: -.Inf}\n", "$.a.b", "finite"),
        ("1: one\n", "$", "The key 1"),
        ("a:\n  true: yes\n", "$.a", "The key true"),
        ("~: nothing\n", "$", "The key null"),
        ("a: !!binary aGVsbG8=\n", "$.a", "binary"),
        ("a: !!set {x, y}\n", "$.a", "set"),
    ],
    ids=[
        "nan",
        "infinity-in-list",
        "negative-infinity-in-map",
        "int-key",
        "bool-key",
        "null-key",
        "binary",
        "set",
    ],
)
def test_values_json_cannot_hold_are_refused(text, path, mention):
    reading = manifest_read(text)

    assert problems(reading) == [(path, ManifestError.INVALID_VALUE)]
    assert mention in reading.problems[0].message
    assert reading.data is None


def test_json_infinity_from_a_huge_exponent_is_refused():
    reading = manifest_read('{"a": [1e400]}')

    assert problems(reading) == [("$.a[0]", ManifestError.INVALID_VALUE)]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_are_refused(constant):
    refused(manifest_read(f'{{"a": {constant}}}'), ManifestError.INVALID_JSON, constant)


@pytest.mark.parametrize("fmt", [Format.JSON, Format.YAML])
def test_integers_too_long_to_convert_are_refused(fmt):
    reading = manifest_read('{"a": ' + "9" * 5000 + "}", fmt=fmt)

    assert problems(reading) == [
        ("$", ManifestError.INVALID_JSON if fmt is Format.JSON else ManifestError.INVALID_YAML)
    ]


def test_python_tags_are_refused():
    refused(
        manifest_read("a: !!python/object/apply:os.system ['true']\n"),
        ManifestError.INVALID_YAML,
        "python/object/apply:os.system",
    )


def test_a_complex_yaml_key_is_refused():
    refused(manifest_read("? [a, b]\n: c\n"), ManifestError.INVALID_YAML)


# --- duplicates, anchors, documents --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ('{"a": 1, "a": 1}', "'a'"),
        ('{"scopes": [{"code": "crm", "level": "read", "code": "fin"}]}', "'code'"),
        ("a: 1\nb: 2\na: 1\n", "line 3"),
        ("scopes:\n  - code: crm\n    level: read\n    code: fin\n", "line 4"),
        ("a: 1\n'a': 2\n", "'a'"),
    ],
    ids=["json", "json-nested", "yaml", "yaml-nested", "yaml-quoted-and-plain"],
)
def test_duplicate_fields_are_refused(text, mention):
    refused(manifest_read(text), ManifestError.DUPLICATE_FIELD, "twice", mention)


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("a: &anchor 1\nb: 2\n", "anchors"),
        ("a: 1\nb: *anchor\n", "aliases"),
        ("defaults: &d {level: read}\nscopes:\n  - <<: *d\n    code: crm\n", "anchors"),
    ],
    ids=["anchor", "alias", "merge-key"],
)
def test_yaml_anchors_and_aliases_are_refused(text, mention):
    refused(manifest_read(text), ManifestError.INVALID_YAML, mention)


def test_a_billion_laughs_is_refused_before_it_expands():
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 9) + "]" for i in range(1, 10)]

    reading = manifest_read("\n".join(lines))

    refused(reading, ManifestError.INVALID_YAML, "anchors", "line 1")


@pytest.mark.parametrize(
    ("text", "count"),
    [("a: 1\n---\nb: 2\n", "found 2"), ("---\n...\n---\n...\n---\n", "found 3")],
    ids=["two", "three-empty"],
)
def test_several_yaml_documents_are_refused(text, count):
    refused(manifest_read(text), ManifestError.INVALID_YAML, "one YAML document", count)


def test_one_explicit_yaml_document_is_fine():
    assert manifest_read("---\nversion: 1.0.0\n...\n").data == {"version": "1.0.0"}


# --- size and depth -------------------------------------------------------------------------------


def test_the_size_limit_is_inclusive():
    text = json_text()
    at_limit = text + " " * (MAX_BYTES - len(text))

    assert manifest_validate_text(at_limit).valid
    refused(manifest_read(at_limit + " "), ManifestError.TOO_LARGE, "262,145 bytes", "256 KB")


def test_the_size_is_counted_in_utf8_bytes():
    text = '{"a": "' + "é" * (MAX_BYTES // 2) + '"}'  # fewer characters than the limit

    refused(manifest_read(text), ManifestError.TOO_LARGE)


def test_nesting_up_to_the_limit_is_read():
    reading = manifest_read("[" * MAX_DEPTH + "]" * MAX_DEPTH)

    assert reading.ok


@pytest.mark.parametrize(
    "text",
    [
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"a": ' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
        "[" * 100_000,
        "a: " + "[" * 100_000,
        # Block nesting has no brackets to count before parsing; libyaml's composer
        # recurses in C, and this once overflowed the stack and killed the process.
        "- " * 100_000 + "1",
        "".join(f"{' ' * depth}k{depth}:\n" for depth in range(200)) + " " * 200 + "x: 1\n",
    ],
    ids=["json-33", "json-objects", "json-unclosed", "yaml-flow", "yaml-sequences", "yaml-maps"],
)
def test_deep_nesting_is_refused(text):
    refused(manifest_read(text), ManifestError.TOO_DEEP, f"more than {MAX_DEPTH} levels")


def test_brackets_inside_json_strings_do_not_count_as_nesting():
    data = {"help": "[" * 100 + '\\" {' * 50}

    assert manifest_read(json.dumps(data)).data == data


@pytest.mark.parametrize(
    ("text", "code", "mention"),
    [
        ('{"a": }', ManifestError.INVALID_JSON, "line 1, column 7"),
        ('{\n  "a": 1\n  "b": 2\n}', ManifestError.INVALID_JSON, "line 3, column 3"),
        ("a: [1, 2\nb: 3", ManifestError.INVALID_YAML, "line 2"),
        ("a:\n\t- b", ManifestError.INVALID_YAML, "line 2, column 1"),
    ],
    ids=["json-missing-value", "json-missing-comma", "yaml-unclosed", "yaml-tab"],
)
def test_syntax_errors_say_where(text, code, mention):
    refused(manifest_read(text), code, mention)
