"""No error code is written as a string where an error is raised or answered: each comes
from the ``StrEnum`` of its context's ``errors.py`` (or ``apps.core.errors.ErrorCode``), so
that the documented tables, checked in tests/docs/test_error_codes.py, cover them all."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Calls whose ``code=`` is not an error code of the platform: Django's own form and
# validator codes (never in an API body), and the scope catalog's data.
NOT_ERROR_CODES = {"forms.ValidationError", "RegexValidator", "Scope"}
CODE_KEYWORDS = {"code", "error"}
CODE_ATTRIBUTES = {"default_code", "api_code"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _is_text(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def literal_codes(tree: ast.AST) -> list[tuple[int, str]]:
    """Where ``tree`` writes an error code as a string literal: ``code=``/``error=``
    arguments, ``{"error": ...}`` bodies, ``default_code``/``api_code`` attributes and the
    kind of a ``Refusal``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) not in NOT_ERROR_CODES:
            found += [
                (node.lineno, f"{kw.arg}={kw.value.value!r}")
                for kw in node.keywords
                if kw.arg in CODE_KEYWORDS and _is_text(kw.value)
            ]
            if _name(node.func) == "Refusal" and node.args and _is_text(node.args[0]):
                found.append((node.lineno, f"Refusal({node.args[0].value!r})"))
        elif isinstance(node, ast.Dict):
            found += [
                (node.lineno, f'"error": {value.value!r}')
                for key, value in zip(node.keys, node.values, strict=True)
                if key is not None and _is_text(key) and key.value == "error" and _is_text(value)
            ]
        elif isinstance(node, ast.Assign) and _is_text(node.value):
            found += [
                (node.lineno, f"{target.id} = {node.value.value!r}")
                for target in node.targets
                if isinstance(target, ast.Name) and target.id in CODE_ATTRIBUTES
            ]
    return found


def test_no_error_code_is_a_string_literal():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for top in ("apps", "console")
        for path in sorted((ROOT / top).rglob("*.py"))
        if "migrations" not in path.parts
        for line, what in literal_codes(ast.parse(path.read_text()))
    ]

    assert offenders == []


def test_the_check_sees_each_way_of_writing_a_code():
    source = """
raise Conflict("No.", code="not_active")
raise forms.ValidationError("No.", code="empty")
JsonResponse({"error": "invalid_client"})
back(error="user_denied")
Refusal("link", "Gone.")
class Gone(ApplicationError):
    default_code = "link_unusable"
raise Conflict("No.", code=InstallationError.NOT_ACTIVE)
"""
    found = sorted(what for _, what in literal_codes(ast.parse(source)))

    assert found == sorted(
        [
            "code='not_active'",
            "\"error\": 'invalid_client'",
            "error='user_denied'",
            "Refusal('link')",
            "default_code = 'link_unusable'",
        ]
    )
