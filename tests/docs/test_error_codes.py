"""Every error code the platform answers with is documented, and every code the guides
list exists: the enums of the contexts' ``errors.py`` and the error tables of
docs/api.md and docs/oauth.md (and the problem tables of docs/manifest.md) agree."""

import importlib
import inspect
import re
from enum import StrEnum
from pathlib import Path

import pytest

from apps.accounts.errors import AccountError
from apps.catalog.errors import CatalogError, CatalogProblem, ManifestError, ManifestWarning
from apps.connections.errors import ConnectionsError
from apps.core.errors import ErrorCode, OutboundFailure
from apps.embedding.errors import EmbeddingError
from apps.installations.errors import InstallationError
from apps.moderation.errors import ModerationError
from apps.modules.errors import ModuleError
from apps.oauth.errors import OAuthError, OAuthProtocolError, RefusalKind
from apps.webhooks.errors import WebhookError

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# Codes of the API error body ``{"error": {"code": ...}}``: in an error table of the guides.
BODY_CODES: tuple[type[StrEnum], ...] = (
    ErrorCode,
    AccountError,
    CatalogError,
    ConnectionsError,
    InstallationError,
    ModerationError,
    ModuleError,
    OAuthError,
)
# Other codes, each documented where its shape is described.
ELSEWHERE: dict[type[StrEnum], str] = {
    CatalogProblem: "api.md",  # beside the manifest's problems, in a version's 400
    EmbeddingError: "embedding.md",  # the codes an SDK call rejects with
    ManifestError: "manifest.md",
    ManifestWarning: "manifest.md",
    OAuthProtocolError: "oauth.md",  # the ``error`` of OAuth responses
    OutboundFailure: "operations.md",  # why a call to an outside service got no answer
    WebhookError: "webhooks.md",  # why a delivery's attempt failed or it was cancelled
}
# Not codes anyone receives: the authorize step's refusal page explains itself in words.
UNDOCUMENTED: tuple[type[StrEnum], ...] = (RefusalKind,)


def _error_table_codes(text: str) -> set[str]:
    """The codes in the ``code`` column of every table whose header also has ``status``."""
    codes: set[str] = set()
    column = None
    for line in text.splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if column is None:
            column = cells.index("code") if {"status", "code"} <= set(cells) else -1
        elif column >= 0 and not set(cells[column]) <= {"-", " "}:
            codes.update(re.findall(r"`([a-z_]+)`", line.split("|")[column + 1]))
    return codes


def _manifest_table_codes(text: str) -> set[str]:
    """The first column of the tables under manifest.md's "Error codes" heading."""
    section = text.split("### Error codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))


@pytest.fixture(scope="module")
def documented() -> set[str]:
    return _error_table_codes((DOCS / "api.md").read_text()) | _error_table_codes(
        (DOCS / "oauth.md").read_text()
    )


def _members(enums: tuple[type[StrEnum], ...]) -> list[StrEnum]:
    return [member for enum in enums for member in enum]


@pytest.mark.parametrize("code", _members(BODY_CODES), ids=lambda c: f"{type(c).__name__}.{c.name}")
def test_every_code_of_the_error_body_is_in_an_error_table(documented, code):
    assert str(code) in documented


def test_every_code_of_the_error_tables_exists(documented):
    known = {str(member) for member in _members(BODY_CODES)}

    assert documented - known == set()


@pytest.mark.parametrize(
    "code",
    [member for enum in ELSEWHERE for member in enum],
    ids=lambda c: f"{type(c).__name__}.{c.name}",
)
def test_every_other_code_is_named_in_its_guide(code):
    """Named as code: in backticks, in a JSON string, or as ``error=<code>``."""
    text = (DOCS / ELSEWHERE[type(code)]).read_text()

    assert re.search(rf"[`\"=]{code}[`\"&\s]", text)


def test_every_problem_code_of_the_manifest_reference_exists():
    listed = _manifest_table_codes((DOCS / "manifest.md").read_text())

    assert listed == {str(c) for c in (*ManifestError, *ManifestWarning)}


def test_every_code_enum_of_a_context_is_checked_here():
    """A new ``errors.py`` enum must be placed above: in an error table, in a guide, or
    (stating why) nowhere."""
    placed = {*BODY_CODES, *ELSEWHERE, *UNDOCUMENTED}
    found = set()
    for path in sorted((ROOT / "apps").glob("*/errors.py")):
        module = importlib.import_module(f"apps.{path.parent.name}.errors")
        found |= {
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, StrEnum) and value is not StrEnum
        }

    assert found - placed == set()
    assert placed - found == set()


def test_the_table_reader_finds_codes_in_a_status_table():
    text = "| status | code | when |\n| --- | --- | --- |\n| 409 | `a_b`, `c` | x `not_me` |\n"

    assert _error_table_codes(text) == {"a_b", "c"}
