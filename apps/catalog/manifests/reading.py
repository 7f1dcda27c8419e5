"""Turning manifest text (JSON or YAML) into plain data, safely.

Whatever the input, the outcome is data or a list of problems, never an exception: the
size is checked before parsing, nesting is bounded, duplicate keys are refused (they
would silently hide a value), YAML anchors and aliases are refused (they make tiny
documents expand without bound), and only JSON types come out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from apps.catalog.manifests.codes import ManifestError
from apps.catalog.manifests.problems import Problem, json_path
from apps.catalog.manifests.schema import MAX_BYTES, MAX_DEPTH


class Format(StrEnum):
    JSON = "json"
    YAML = "yaml"


@dataclass(frozen=True)
class Reading:
    data: Any
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


YAML_MEDIA_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


def format_for(*, media_type: str | None = None, filename: str | None = None) -> Format | None:
    """The format a media type or file name names, or ``None`` to guess from the text."""
    if media_type:
        base = media_type.split(";")[0].strip().lower()
        if base in YAML_MEDIA_TYPES:
            return Format.YAML
        if base == "application/json" or base.endswith("+json"):
            return Format.JSON
    if filename:
        lower = filename.lower()
        if lower.endswith((".yaml", ".yml")):
            return Format.YAML
        if lower.endswith(".json"):
            return Format.JSON
    return None


def manifest_read(
    raw: bytes | str, *, fmt: Format | None = None, max_bytes: int = MAX_BYTES
) -> Reading:
    """Parse ``raw`` as JSON or YAML (guessed when ``fmt`` is None: JSON when the text
    starts with ``{`` or ``[``). Returns the data, or problems with codes ``too_large``,
    ``too_deep``, ``invalid_json``, ``invalid_yaml``, ``duplicate_field`` or
    ``invalid_value``."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:
            return _fail(ManifestError.INVALID_VALUE, "The text holds unpaired surrogates.")
    if len(raw) > max_bytes:
        return _fail(
            ManifestError.TOO_LARGE,
            f"The manifest is {len(raw):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes // 1024:,} KB).",
        )
    if fmt is None:
        fmt = (
            Format.JSON
            if raw.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] in (b"{", b"[")
            else Format.YAML
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _fail(
            ManifestError.INVALID_JSON if fmt is Format.JSON else ManifestError.INVALID_YAML,
            f"The manifest is not UTF-8 text (at byte {exc.start + 1}).",
        )
    if not text.strip():
        return _fail(ManifestError.INVALID_JSON, "The manifest is empty.")
    # Before parsing: PyYAML takes quadratic time on deeply nested flow collections. A
    # manifest needs about 5 levels, so unbalanced brackets in YAML comments or plain
    # text would have to be absurd to trip this.
    if _flow_depth(text) > MAX_DEPTH:
        return _fail(ManifestError.TOO_DEEP, _too_deep_message())
    try:
        data = _load_json(text) if fmt is Format.JSON else _load_yaml(text)
    except _Refused as exc:
        return _fail(exc.code, exc.message, exc.path)
    except RecursionError:
        return _fail(ManifestError.TOO_DEEP, _too_deep_message())
    problems = list(_check_values(data, ()))
    if any(p.code == ManifestError.TOO_DEEP for p in problems):
        return _fail(ManifestError.TOO_DEEP, _too_deep_message())
    problems = problems[:100]
    return Reading(data=None if problems else data, problems=tuple(problems))


def _fail(code: ManifestError, message: str, path: str = "$") -> Reading:
    return Reading(data=None, problems=(Problem(path=path, code=code, message=message),))


def _too_deep_message() -> str:
    return f"The manifest is nested more than {MAX_DEPTH} levels deep; manifests need about 5."


_SPECIAL = re.compile(r'[\[\]{}"\\]')


def _flow_depth(text: str) -> int:
    """Deepest nesting of brackets outside strings: a cheap guard before parsing.

    Visits only brackets, quotes and backslashes, so ordinary text costs little."""
    depth = deepest = 0
    in_string = escaped = False
    last = -2
    for match in _SPECIAL.finditer(text):
        char, position = match.group(), match.start()
        if in_string:
            if escaped and position == last + 1:
                escaped = False
            elif char == "\\":
                escaped, last = True, position
            elif char == '"':
                in_string = False
            else:
                escaped = False
        elif char == '"':
            in_string, escaped = True, False
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


class _Refused(Exception):
    def __init__(self, code: ManifestError, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.code, self.message, self.path = code, message, path


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(
                ManifestError.DUPLICATE_FIELD,
                f"The field {key!r} appears twice in the same object; keep one.",
            )
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise _Refused(ManifestError.INVALID_JSON, f"{name} is not a valid JSON number.")


def _load_json(text: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise _Refused(
            ManifestError.INVALID_JSON,
            f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
        ) from None
    except ValueError:  # an integer with more digits than Python converts
        raise _Refused(
            ManifestError.INVALID_JSON, "A number has too many digits; no manifest field needs it."
        ) from None


# libyaml's parser when PyYAML was built with it (the wheels are), else the pure-Python
# one: about five times faster on large documents.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ManifestLoader(_SafeLoader):  # type: ignore[misc]
    """A safe loader that refuses duplicate keys and keeps dates as text."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                raise _Refused(
                    ManifestError.DUPLICATE_FIELD,
                    f"The field {key!r} appears twice in the same mapping (line "
                    f"{key_node.start_mark.line + 1}); keep one.",
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Dates stay strings: a manifest has no date fields, and a date object is not JSON.
_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _refuse_yaml_features(text: str) -> None:
    """One document, without anchors or aliases, checked on the event stream before
    anything is built: aliases let a few bytes expand into a huge structure."""
    documents = depth = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        # Block nesting has no brackets for _flow_depth to count, and libyaml's composer
        # recurses in C: a deep enough document overflows the stack and kills the process.
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(ManifestError.TOO_DEEP, _too_deep_message())
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                ManifestError.INVALID_YAML,
                f"YAML aliases are not supported in manifests (line {line}).",
            )
        if getattr(event, "anchor", None):
            raise _Refused(
                ManifestError.INVALID_YAML,
                f"YAML anchors are not supported in manifests (line {line}).",
            )
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
    if documents != 1:
        raise _Refused(
            ManifestError.INVALID_YAML, f"A manifest is one YAML document; found {documents}."
        )


def _load_yaml(text: str) -> Any:
    try:
        _refuse_yaml_features(text)
        return yaml.load(text, Loader=_ManifestLoader)  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _Refused(
            ManifestError.INVALID_YAML, f"Not valid YAML{where}: {exc.problem}."
        ) from None
    except yaml.YAMLError as exc:
        raise _Refused(ManifestError.INVALID_YAML, f"Not valid YAML: {exc}.") from None
    except TypeError:  # a list or mapping used as a key
        raise _Refused(
            ManifestError.INVALID_YAML, "Not valid here: a key must be text, not a list or mapping."
        ) from None
    except (ValueError, OverflowError):  # a number too large to convert
        raise _Refused(
            ManifestError.INVALID_YAML, "A number has too many digits; no manifest field needs it."
        ) from None


_YAML_TYPE_WORDS = {"bytes": "binary (!!binary)", "set": "set (!!set)"}


def _check_values(value: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
    """Only JSON types, finite numbers and string keys, within the depth limit."""
    if len(path) > MAX_DEPTH:
        yield Problem(path="$", code=ManifestError.TOO_DEEP, message=_too_deep_message())
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield Problem(
                    path=json_path(path),
                    code=ManifestError.INVALID_VALUE,
                    message=(
                        f"The key {json.dumps(key, default=str)} is not text; put it in quotes."
                    ),
                )
                continue
            yield from _check_values(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _check_values(item, (*path, index))
    elif isinstance(value, float) and not math.isfinite(value):
        yield Problem(
            path=json_path(path),
            code=ManifestError.INVALID_VALUE,
            message="Numbers must be finite.",
        )
    elif not (value is None or isinstance(value, str | int | float | bool)):
        yield Problem(
            path=json_path(path),
            code=ManifestError.INVALID_VALUE,
            message=(
                f"A YAML {_YAML_TYPE_WORDS.get(type(value).__name__, 'special')} value is not "
                "allowed in a manifest: write text, a number, true/false, a list or a mapping."
            ),
        )
