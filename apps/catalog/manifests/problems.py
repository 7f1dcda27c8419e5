"""A problem found in a manifest: where (a JSON path), what (a stable code), and a message
a developer can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": str(self.code), "message": self.message}


def json_path(parts: Sequence[str | int]) -> str:
    """``("scopes", 1, "level")`` as ``$.scopes[1].level``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}"
        else:
            out += "[" + _quote(part) + "]"
    return out


def _quote(key: str) -> str:
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped[:80]}'" if len(escaped) <= 80 else f"'{escaped[:77]}...'"


_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "true or false",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """How a developer names the JSON type of ``value`` ("an object", "a string")."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def short(value: Any) -> str:
    """``value`` as the developer wrote it (JSON spelling: true, null, "text"), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
