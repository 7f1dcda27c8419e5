"""Manifest validation in two stages, every problem reported at once.

1. **Structure**: the JSON Schema of ``schema.py`` (types, required and unknown fields,
   choices, formats, sizes), each failure mapped to a stable code and a plain message.
2. **Meaning**: what a schema cannot say: duplicate ids and keys, URLs, webhook events and
   reference settings covered by the declared scopes, defaults that fit their setting,
   and the scope precedence warnings.

The second stage reads the data defensively, so problems of both stages come together.
Nothing here raises on any input.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, ValidationError, validators

from apps.catalog.manifests.codes import ManifestError, ManifestWarning
from apps.catalog.manifests.problems import Problem, json_path
from apps.catalog.manifests.reading import Format, manifest_read
from apps.catalog.manifests.schema import MAX_PROBLEMS, SEMVER_PATTERN, manifest_schema
from apps.catalog.manifests.types import Manifest, manifest_from_data
from apps.scopes.catalog import Catalog, Level, get_catalog
from apps.scopes.policies import (
    DropReason,
    ScopeGrant,
    scope_precedence,
    scopes_allow,
    scopes_needed_for,
)


@dataclass(frozen=True)
class ManifestCheck:
    """The outcome of validating one manifest."""

    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()
    effective_scopes: tuple[str, ...] = ()
    manifest: Manifest | None = field(default=None, compare=False)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The body of ``POST /api/v1/manifests/validate`` and ``manage.py manifest``."""
        if self.valid:
            return {
                "valid": True,
                "effective_scopes": list(self.effective_scopes),
                "warnings": [w.as_dict() for w in self.warnings],
            }
        return {
            "valid": False,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def manifest_validate_text(
    raw: bytes | str, *, fmt: Format | None = None, catalog: Catalog | None = None
) -> ManifestCheck:
    """Read ``raw`` (JSON or YAML) and validate it. Never raises."""
    reading = manifest_read(raw, fmt=fmt)
    if not reading.ok:
        return ManifestCheck(errors=reading.problems)
    return manifest_validate(reading.data, catalog=catalog)


def manifest_validate(data: Any, *, catalog: Catalog | None = None) -> ManifestCheck:
    """Validate parsed manifest ``data`` against format v1 and ``catalog``. Never raises.

    Returns every error and warning, sorted by path. When valid, ``manifest`` holds the
    typed manifest and ``effective_scopes`` the canonical scopes after precedence.
    """
    catalog = catalog or get_catalog()
    errors = _unique(_first(_structure_problems(data, catalog), MAX_PROBLEMS + 1))
    if not isinstance(data, Mapping):
        return ManifestCheck(errors=_capped(errors))
    meaning = _Meaning(data, catalog)
    errors = _unique([*errors, *_first(meaning.errors(), MAX_PROBLEMS + 1)])
    warnings = _unique(_first(meaning.warnings(), MAX_PROBLEMS))
    effective = meaning.effective_scopes()
    if errors:
        return ManifestCheck(errors=_capped(errors), warnings=tuple(warnings))
    return ManifestCheck(
        errors=(),
        warnings=tuple(warnings),
        effective_scopes=effective,
        manifest=manifest_from_data(dict(data), effective_scopes=effective),
    )


def _first(problems: Iterator[Problem], limit: int) -> list[Problem]:
    """The first ``limit`` distinct problems; the rest are never computed."""
    seen: dict[Problem, None] = {}
    for problem in problems:
        seen.setdefault(problem)
        if len(seen) >= limit:
            break
    return list(seen)


def _capped(errors: list[Problem]) -> tuple[Problem, ...]:
    """At most ``MAX_PROBLEMS`` errors, then one saying the list stops there: a document
    full of mistakes is not worth an unbounded answer."""
    if len(errors) <= MAX_PROBLEMS:
        return tuple(errors)
    note = Problem(
        "$",
        ManifestError.TOO_MANY_PROBLEMS,
        f"Only the first {MAX_PROBLEMS} problems are listed; fix them and check again.",
    )
    return (*errors[:MAX_PROBLEMS], note)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    result = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return sorted(result, key=_path_key)


def _path_key(problem: Problem) -> tuple[tuple[tuple[int, int | str], ...], str]:
    parts: list[tuple[int, int | str]] = []
    for token in re.findall(
        r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]", problem.path
    ):
        name, index, quoted = token
        parts.append((0, int(index)) if index else (1, name or quoted))
    return tuple(parts), problem.code


# Stage 1: structure ---------------------------------------------------------------------


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


_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}
_TYPE_WORDS = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _structure_problems(data: Any, catalog: Catalog) -> Iterator[Problem]:
    validator = _validator_for(catalog)
    for error in validator.iter_errors(data):
        yield from _explain(error)


def _explain(error: ValidationError) -> Iterator[Problem]:
    path = list(error.absolute_path)
    where = json_path(path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    value: Any = error.instance
    expected_value: Any = error.validator_value
    custom = schema.get("x-error-code")

    if keyword == "required":
        for name in expected_value:
            if isinstance(value, Mapping) and name not in value:
                yield Problem(
                    json_path([*path, name]),
                    ManifestError.MISSING_FIELD,
                    f"The field {name!r} is required here.",
                )
    elif keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for name in value if isinstance(value, Mapping) else ():
            if name not in allowed:
                hint = _suggest(name, allowed)
                yield Problem(
                    json_path([*path, name]),
                    ManifestError.UNKNOWN_FIELD,
                    f"Unknown field {name!r}.{hint} Fields allowed here: {', '.join(allowed)}.",
                )
    elif keyword == "type":
        names = [expected_value] if isinstance(expected_value, str) else list(expected_value)
        words = " or ".join(_TYPE_WORDS.get(n, n) for n in names)
        hint = ""
        if names == ["string"] and isinstance(value, bool | int | float):
            hint = " In YAML, put the value in quotes."
        yield Problem(
            where, ManifestError.WRONG_TYPE, f"Must be {words}, not {_json_type(value)}.{hint}"
        )
    elif keyword == "enum":
        yield _enum_problem(where, value, list(expected_value), custom)
    elif keyword == "const":
        yield Problem(
            where,
            custom or ManifestError.INVALID_CHOICE,
            f"Must be {_short(expected_value)}, not {_short(value)}.",
        )
    elif keyword == "pattern":
        if schema.get("pattern") == SEMVER_PATTERN:
            message = (
                f"{_short(value)} is not a semantic version: use MAJOR.MINOR.PATCH such as "
                "'1.4.0', optionally with a pre-release ('1.4.0-beta.1') or build ('+42')."
            )
            yield Problem(where, ManifestError.INVALID_SEMVER, message)
        else:
            yield Problem(
                where,
                ManifestError.INVALID_FORMAT,
                f"{_short(value)} is not allowed here: use {schema.get('description', '')}.",
            )
    elif keyword == "minLength":
        yield Problem(where, ManifestError.TOO_SHORT, "Must not be empty.")
    elif keyword == "maxLength":
        yield Problem(
            where,
            ManifestError.TOO_LONG,
            f"Must be at most {expected_value} characters; this is {len(value)}.",
        )
    elif keyword == "minItems":
        yield Problem(
            where,
            ManifestError.TOO_FEW,
            "List at least one item."
            if expected_value == 1
            else f"List at least {expected_value} items.",
        )
    elif keyword == "maxItems":
        yield Problem(
            where,
            ManifestError.TOO_MANY,
            f"At most {expected_value} items are allowed; this has {len(value)}.",
        )
    else:  # a keyword the schema gained later: still a clear, located error
        yield Problem(where, ManifestError.INVALID_VALUE, f"Invalid value: {error.message}.")


def _enum_problem(where: str, value: Any, choices: list[Any], custom: str | None) -> Problem:
    code = custom or ManifestError.INVALID_CHOICE
    if not isinstance(value, str):
        return Problem(
            where, ManifestError.WRONG_TYPE, f"Must be a string, not {_json_type(value)}."
        )
    hint = _suggest(value, [str(c) for c in choices])
    if len(choices) <= 12:
        listing = f" Choose one of: {', '.join(str(c) for c in choices)}."
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
    return Problem(where, code, f"Unknown {noun} {_short(value)}.{hint}{listing}")


def _suggest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f" Did you mean {_short(close[0])}?" if close else ""


def _short(value: Any) -> str:
    """``value`` as the developer wrote it (JSON spelling: true, null, "text"), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# Stage 2: meaning -----------------------------------------------------------------------

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _url_problem(value: str, *, redirect: bool) -> tuple[ManifestError, str] | None:
    example = "https://app.example.com/callback"
    if any(ch.isspace() for ch in value) or any(ord(ch) < 32 for ch in value):
        return ManifestError.INVALID_URL, "A URL must not contain spaces or control characters."
    try:
        parts = urlsplit(value)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return ManifestError.INVALID_URL, f"{_short(value)} is not a valid URL, e.g. {example}."
    scheme = parts.scheme.lower()
    if port == 0:
        return ManifestError.INVALID_URL, "Port 0 is not a port a server can listen on."
    if scheme not in ("http", "https") or not host:
        return (
            ManifestError.INVALID_URL,
            f"{_short(value)} is not an absolute http(s) URL with a host, e.g. {example}.",
        )
    if parts.username is not None or parts.password is not None:
        return ManifestError.INVALID_URL, "A URL must not carry a user name or password."
    if redirect and parts.fragment:
        return ManifestError.INVALID_URL, "A redirect URI must not have a #fragment."
    if scheme == "http" and not (host in _LOCAL_HOSTS or host.endswith(".localhost")):
        return (
            ManifestError.INSECURE_URL,
            f"Use https: plain http is allowed only for localhost, not for {host}.",
        )
    return None


class _Meaning:
    """The second stage, over data that may still be structurally wrong."""

    def __init__(self, data: Mapping[str, Any], catalog: Catalog) -> None:
        self.data = data
        self.catalog = catalog
        self.indexed_grants = self._indexed_grants()
        self.grants = [grant for _, grant in self.indexed_grants]
        self.precedence = scope_precedence(self.grants, catalog=catalog)

    def _list(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        items = self.data.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, Mapping)]

    def _indexed_grants(self) -> list[tuple[int, ScopeGrant]]:
        """The well-formed scope entries with their index; the rest are the first
        stage's to report."""
        grants = []
        for index, item in self._list("scopes"):
            code, level = item.get("code"), item.get("level")
            if isinstance(code, str) and code in self.catalog.scopes and level in ("read", "full"):
                grants.append((index, ScopeGrant(code, Level(level))))
        return grants

    def effective_scopes(self) -> tuple[str, ...]:
        return self.precedence.strings

    # errors

    def errors(self) -> Iterator[Problem]:
        yield from self._duplicates("webhooks", "id", ManifestError.DUPLICATE_ID, "webhook id")
        yield from self._duplicates("embeddings", "id", ManifestError.DUPLICATE_ID, "embedding id")
        yield from self._duplicates("settings", "key", ManifestError.DUPLICATE_KEY, "setting key")
        yield from self._urls()
        yield from self._events_covered()
        yield from self._settings()

    def _duplicates(
        self, key: str, field_name: str, code: ManifestError, noun: str
    ) -> Iterator[Problem]:
        first: dict[str, int] = {}
        for index, item in self._list(key):
            value = item.get(field_name)
            if not isinstance(value, str):
                continue
            if value in first:
                yield Problem(
                    json_path([key, index, field_name]),
                    code,
                    f"The {noun} {_short(value)} is already used by {key}[{first[value]}]; "
                    f"each {noun} must be unique within the manifest.",
                )
            else:
                first[value] = index

    def _urls(self) -> Iterator[Problem]:
        redirects = self.data.get("redirect_uris")
        seen: dict[str, int] = {}
        for index, uri in enumerate(redirects if isinstance(redirects, list) else []):
            if not isinstance(uri, str):
                continue
            if uri in seen:
                yield Problem(
                    json_path(["redirect_uris", index]),
                    ManifestError.DUPLICATE_URI,
                    f"This redirect URI is already listed at redirect_uris[{seen[uri]}].",
                )
                continue
            seen[uri] = index
            yield from self._url_at(["redirect_uris", index], uri, redirect=True)
        for key in ("webhooks", "embeddings"):
            for index, item in self._list(key):
                url = item.get("url")
                if isinstance(url, str):
                    yield from self._url_at([key, index, "url"], url, redirect=False)
        for key in ("connection_test_url", "install_start_url"):
            url = self.data.get(key)
            if isinstance(url, str):
                yield from self._url_at([key], url, redirect=False)

    def _url_at(self, path: list[str | int], url: str, *, redirect: bool) -> Iterator[Problem]:
        if not url:
            return  # reported as too_short by the structure stage
        problem = _url_problem(url, redirect=redirect)
        if problem:
            yield Problem(json_path(path), problem[0], problem[1])

    def _covered(self, model: str) -> bool:
        return scopes_allow(self.grants, model=model, level=Level.READ, catalog=self.catalog)

    def _needed(self, model: str) -> str:
        return " or ".join(scopes_needed_for(model=model, level=Level.READ, catalog=self.catalog))

    def _self_only_note(self, model: str) -> str:
        covering = [
            g
            for g in self.grants
            if self.catalog.scopes[g.code].self_only and model in self.catalog.scope_models(g.code)
        ]
        if covering:
            return f" {covering[0].code} is not enough: it reaches only the authorizing user."
        return ""

    def _events_covered(self) -> Iterator[Problem]:
        for index, item in self._list("webhooks"):
            code = item.get("event")
            event = self.catalog.events.get(code) if isinstance(code, str) else None
            if event is None or self._covered(event.model):
                continue
            yield Problem(
                json_path(["webhooks", index, "event"]),
                ManifestError.EVENT_NOT_COVERED,
                f"The event {event.code} needs read access to {event.model}: declare "
                f"{self._needed(event.model)} in scopes.{self._self_only_note(event.model)}",
            )

    def _settings(self) -> Iterator[Problem]:
        for index, item in self._list("settings"):
            setting_type = item.get("type")
            path: list[str | int] = ["settings", index]
            model = item.get("model")
            if "options" in item and setting_type != "select":
                yield Problem(
                    json_path([*path, "options"]),
                    ManifestError.FIELD_NOT_ALLOWED,
                    f"Only select settings have options; this one is {_short(setting_type)}.",
                )
            if "model" in item and setting_type != "reference":
                yield Problem(
                    json_path([*path, "model"]),
                    ManifestError.FIELD_NOT_ALLOWED,
                    f"Only reference settings have a model; this one is {_short(setting_type)}.",
                )
            if (
                setting_type == "reference"
                and isinstance(model, str)
                and model in self.catalog.models
                and not self._covered(model)
            ):
                yield Problem(
                    json_path([*path, "model"]),
                    ManifestError.MODEL_NOT_COVERED,
                    f"A setting that refers to {model} needs read access to it: declare "
                    f"{self._needed(model)} in scopes.{self._self_only_note(model)}",
                )
            yield from self._options(item, path)
            if "default" in item:
                yield from self._default(item, path)

    def _options(self, item: Mapping[str, Any], path: list[str | int]) -> Iterator[Problem]:
        options = item.get("options")
        seen: dict[str, int] = {}
        for index, option in enumerate(options if isinstance(options, list) else []):
            value = option.get("value") if isinstance(option, Mapping) else None
            if not isinstance(value, str):
                continue
            if value in seen:
                yield Problem(
                    json_path([*path, "options", index, "value"]),
                    ManifestError.DUPLICATE_OPTION,
                    f"The option value {_short(value)} is already used by options[{seen[value]}].",
                )
            else:
                seen[value] = index

    def _default(self, item: Mapping[str, Any], path: list[str | int]) -> Iterator[Problem]:
        setting_type, default = item.get("type"), item.get("default")
        where = json_path([*path, "default"])
        if default is None:
            return
        if setting_type in ("secret", "file", "reference"):
            yield Problem(
                where,
                ManifestError.FIELD_NOT_ALLOWED,
                f"A {setting_type} setting cannot have a default; remove it.",
            )
            return
        expected: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "text": (str,),
            "select": (str,),
            "number": (int, float),
            "boolean": (bool,),
        }
        if not isinstance(setting_type, str) or setting_type not in expected:
            return
        types = expected[setting_type]
        wrong_type = not isinstance(default, types) or (
            setting_type == "number" and isinstance(default, bool)
        )
        if wrong_type:
            word = {"number": "a number", "boolean": "true or false"}.get(setting_type, "text")
            yield Problem(
                where,
                ManifestError.INVALID_DEFAULT,
                f"The default of a {setting_type} setting must be {word}, not "
                f"{_json_type(default)}.",
            )
        elif setting_type == "select":
            options = item.get("options")
            values = [
                o.get("value")
                for o in (options if isinstance(options, list) else [])
                if isinstance(o, Mapping)
            ]
            if default not in values:
                yield Problem(
                    where,
                    ManifestError.INVALID_DEFAULT,
                    f"The default {_short(default)} is not one of the option values: "
                    f"{', '.join(_short(v) for v in values) or 'none'}.",
                )

    # warnings

    def warnings(self) -> Iterator[Problem]:
        yield from self._precedence_warnings()
        yield from self._location_warnings()
        yield from self._subscription_warnings()

    def _precedence_warnings(self) -> Iterator[Problem]:
        indexes: dict[ScopeGrant, list[int]] = {}
        for index, grant in self.indexed_grants:
            indexes.setdefault(grant, []).append(index)
        codes = {
            DropReason.DUPLICATE: ManifestWarning.DUPLICATE_SCOPE,
            DropReason.SAME_CODE: ManifestWarning.SCOPE_LEVEL_OVERRIDDEN,
            DropReason.MODULE_SCOPE: ManifestWarning.SCOPE_OVERRIDDEN_BY_MODULE,
        }
        for dropped in self.precedence.dropped:
            at = indexes.get(dropped.declared, [0])
            # Every repetition is ignored, not only the second: point at each of them.
            repeats = at[1:] if dropped.reason is DropReason.DUPLICATE and len(at) > 1 else at[:1]
            for index in repeats:
                yield Problem(json_path(["scopes", index]), codes[dropped.reason], dropped.message)

    def _location_warnings(self) -> Iterator[Problem]:
        for index, item in self._list("embeddings"):
            code = item.get("location")
            location = self.catalog.locations.get(code) if isinstance(code, str) else None
            if location is None or location.model is None or self._covered(location.model):
                continue
            yield Problem(
                json_path(["embeddings", index, "location"]),
                ManifestWarning.LOCATION_MODEL_NOT_COVERED,
                f"The app receives the id of a {location.model} record at {location.code} "
                f"but cannot read it without {self._needed(location.model)}.",
            )

    def _subscription_warnings(self) -> Iterator[Problem]:
        seen: dict[tuple[Any, Any], int] = {}
        for index, item in self._list("webhooks"):
            key = (item.get("event"), item.get("url"))
            if not all(isinstance(k, str) for k in key):
                continue
            if key in seen:
                yield Problem(
                    json_path(["webhooks", index]),
                    ManifestWarning.DUPLICATE_SUBSCRIPTION,
                    f"webhooks[{seen[key]}] already sends {key[0]} to the same URL; every "
                    "event would be delivered twice.",
                )
            else:
                seen[key] = index
