"""Stage 1 of manifest validation, the structure: the JSON Schema of ``schema.py`` (types,
required and unknown fields, choices, formats, sizes), each failure mapped to a stable
code and a plain message."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.problems import Problem, json_path, json_type, short
from apps.catalog.manifests.schema import SEMVER_PATTERN, manifest_schema
from apps.scopes.catalog import AppEvent, Catalog


def _fullmatch_pattern(
    validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """JSON Schema ``pattern`` as a whole-string match: Python's ``$`` would also accept a
    trailing newline."""
    if isinstance(instance, str) and not re.fullmatch(
        pattern.removeprefix("^").removesuffix("$"), instance
    ):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _fullmatch_pattern}
)


@cache
def _validator_for(catalog: Catalog) -> Any:
    return _Validator(manifest_schema(catalog))


_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def structure_problems(data: Any, catalog: Catalog) -> Iterator[Problem]:
    validator = _validator_for(catalog)
    for error in validator.iter_errors(data):
        yield from _explain(error)


@dataclass(frozen=True)
class _Failure:
    """One JSON Schema failure, as the explainers read it."""

    keyword: str
    path: list[str | int]
    where: str
    schema: Mapping[str, Any]
    value: Any
    expected: Any
    custom: str | None
    message: str


def _explain(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    keyword = str(error.validator)
    failure = _Failure(
        keyword=keyword,
        path=path,
        where=json_path(path),
        schema=schema,
        value=error.instance,
        expected=error.validator_value,
        custom=schema.get("x-error-code"),
        message=error.message,
    )
    # A keyword the schema gained later still gets a clear, located error.
    explainer = _EXPLAINERS.get(keyword, _other_problem)
    yield from explainer(failure)


def _missing_fields(f: _Failure) -> Iterator[Problem]:
    for name in f.expected:
        if isinstance(f.value, Mapping) and name not in f.value:
            yield Problem(
                json_path([*f.path, name]),
                ManifestError.MISSING_FIELD,
                f"The field {name!r} is required here.",
            )


def _unknown_fields(f: _Failure) -> Iterator[Problem]:
    allowed = sorted(f.schema.get("properties", {}))
    for name in f.value if isinstance(f.value, Mapping) else ():
        if name not in allowed:
            hint = _suggest(name, allowed)
            yield Problem(
                json_path([*f.path, name]),
                ManifestError.UNKNOWN_FIELD,
                f"Unknown field {name!r}.{hint} Fields allowed here: {', '.join(allowed)}.",
            )


def _type_problem(f: _Failure) -> Iterator[Problem]:
    names = [f.expected] if isinstance(f.expected, str) else list(f.expected)
    words = " or ".join(_TYPE_WORDS.get(n, n) for n in names)
    hint = ""
    if names == ["string"] and isinstance(f.value, bool | int | float):
        hint = " In YAML, put the value in quotes."
    yield Problem(
        f.where, ManifestError.WRONG_TYPE, f"Must be {words}, not {json_type(f.value)}.{hint}"
    )


def _choice_problem(f: _Failure) -> Iterator[Problem]:
    yield _enum_problem(f.where, f.value, list(f.expected), f.custom)


def _const_problem(f: _Failure) -> Iterator[Problem]:
    yield Problem(
        f.where,
        f.custom or ManifestError.INVALID_CHOICE,
        f"Must be {short(f.expected)}, not {short(f.value)}.",
    )


def _pattern_problem(f: _Failure) -> Iterator[Problem]:
    if f.schema.get("pattern") == SEMVER_PATTERN:
        message = (
            f"{short(f.value)} is not a semantic version: use MAJOR.MINOR.PATCH such as "
            "'1.4.0', optionally with a pre-release ('1.4.0-beta.1') or build ('+42')."
        )
        yield Problem(f.where, ManifestError.INVALID_SEMVER, message)
    else:
        yield Problem(
            f.where,
            ManifestError.INVALID_FORMAT,
            f"{short(f.value)} is not allowed here: use {f.schema.get('description', '')}.",
        )


def _size_problem(f: _Failure) -> Iterator[Problem]:
    if f.keyword == "minLength":
        yield Problem(f.where, ManifestError.TOO_SHORT, "Must not be empty.")
    elif f.keyword == "maxLength":
        yield Problem(
            f.where,
            ManifestError.TOO_LONG,
            f"Must be at most {f.expected} characters; this is {len(f.value)}.",
        )
    elif f.keyword == "minItems":
        at_least = "one item" if f.expected == 1 else f"{f.expected} items"
        yield Problem(f.where, ManifestError.TOO_FEW, f"List at least {at_least}.")
    else:
        yield Problem(
            f.where,
            ManifestError.TOO_MANY,
            f"At most {f.expected} items are allowed; this has {len(f.value)}.",
        )


def _bound_problem(f: _Failure) -> Iterator[Problem]:
    if f.keyword == "maxProperties":
        yield Problem(
            f.where,
            ManifestError.TOO_MANY,
            f"At most {f.expected} entries are allowed; this has {len(f.value)}.",
        )
    else:
        word = "at least" if f.keyword == "minimum" else "at most"
        yield Problem(f.where, ManifestError.INVALID_VALUE, f"Must be {word} {f.expected}.")


def _other_problem(f: _Failure) -> Iterator[Problem]:
    yield Problem(f.where, ManifestError.INVALID_VALUE, f"Invalid value: {f.message}.")


_EXPLAINERS: dict[str, Callable[[_Failure], Iterator[Problem]]] = {
    "required": _missing_fields,
    "additionalProperties": _unknown_fields,
    "type": _type_problem,
    "enum": _choice_problem,
    "const": _const_problem,
    "pattern": _pattern_problem,
    "minLength": _size_problem,
    "maxLength": _size_problem,
    "minItems": _size_problem,
    "maxItems": _size_problem,
    "minimum": _bound_problem,
    "maximum": _bound_problem,
    "maxProperties": _bound_problem,
}


def _enum_problem(where: str, value: Any, choices: list[Any], custom: str | None) -> Problem:
    code = custom or ManifestError.INVALID_CHOICE
    if not isinstance(value, str):
        return Problem(
            where, ManifestError.WRONG_TYPE, f"Must be a string, not {json_type(value)}."
        )
    hint = _suggest(value, [str(c) for c in choices])
    if len(choices) <= 12:
        listing = f" Choose one of: {', '.join(str(c) for c in choices)}."
    elif code == ManifestError.UNKNOWN_EVENT and value.startswith("app."):
        listing = f" The app events are {', '.join(e.value for e in AppEvent)}."
    else:
        listing = " The full list is in docs/manifest.md and GET /api/v1/manifests/schema."
    noun = {
        ManifestError.UNKNOWN_SCOPE: "scope",
        ManifestError.UNKNOWN_LEVEL: "level",
        ManifestError.UNKNOWN_EVENT: "webhook event",
        ManifestError.UNKNOWN_LOCATION: "embedding location",
        ManifestError.UNKNOWN_MODEL: "model",
        ManifestError.UNKNOWN_SETTING_TYPE: "setting type",
    }.get(ManifestError(code), "value")
    return Problem(where, code, f"Unknown {noun} {short(value)}.{hint}{listing}")


def _suggest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f" Did you mean {short(close[0])}?" if close else ""
