"""Turning manifest text (JSON or YAML) into plain data, safely.

Whatever the input, the outcome is data or a list of problems, never an exception: the
size is checked before parsing, nesting is bounded, duplicate keys are refused (they
would silently hide a value), YAML anchors and aliases are refused (they make tiny
documents expand without bound), and only JSON types come out.
"""

from __future__ import annotations

import json
import math
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


def manifest_read(raw: bytes | str, *, fmt: Format | None = None) -> Reading:
    """Parse ``raw`` as JSON or YAML (guessed when ``fmt`` is None: JSON when the text
    starts with ``{`` or ``[``). Returns the data, or problems with codes ``too_large``,
    ``too_deep``, ``invalid_json``, ``invalid_yaml``, ``duplicate_field`` or
    ``invalid_value``."""
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:
            return _fail(ManifestError.INVALID_VALUE, "The text holds unpaired surrogates.")
    if len(raw) > MAX_BYTES:
        return _fail(
            ManifestError.TOO_LARGE,
            f"The manifest is {len(raw):,} bytes; the limit is {MAX_BYTES:,} bytes (256 KB).",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _fail(
            ManifestError.INVALID_JSON if fmt is Format.JSON else ManifestError.INVALID_YAML,
            f"The manifest is not UTF-8 text (byte {exc.start}).",
        )
    if not text.strip():
        return _fail(ManifestError.INVALID_JSON, "The manifest is empty.")
    if _flow_depth(text) > MAX_DEPTH:
        return _fail(ManifestError.TOO_DEEP, _too_deep_message())
    if fmt is None:
        fmt = Format.JSON if text.lstrip()[:1] in ("{", "[") else Format.YAML
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


def _flow_depth(text: str) -> int:
    """Deepest nesting of brackets outside strings: a cheap guard before parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
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
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise _Refused(ManifestError.INVALID_JSON, f"Not valid JSON: {exc}.") from None


class _ManifestLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, duplicate keys or implicit dates."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refused(
                ManifestError.INVALID_YAML,
                f"YAML aliases are not supported in manifests (line {mark.line + 1}).",
            )
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if getattr(event, "anchor", None):
            raise _Refused(
                ManifestError.INVALID_YAML,
                f"YAML anchors are not supported in manifests (line {event.start_mark.line + 1}).",
            )
        return super().compose_node(parent, index)

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


def _load_yaml(text: str) -> Any:
    try:
        documents = list(yaml.load_all(text, Loader=_ManifestLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _Refused(
            ManifestError.INVALID_YAML, f"Not valid YAML{where}: {exc.problem}."
        ) from None
    except yaml.YAMLError as exc:
        raise _Refused(ManifestError.INVALID_YAML, f"Not valid YAML: {exc}.") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise _Refused(ManifestError.INVALID_YAML, f"Not valid YAML: {exc}.") from None
    if len(documents) != 1:
        raise _Refused(
            ManifestError.INVALID_YAML,
            f"A manifest is one YAML document; found {len(documents)}.",
        )
    return documents[0]


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
                    message=f"The key {key!r} is not a string; quote it.",
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
            message=f"A {type(value).__name__} value is not allowed here; quote it as text.",
        )
