"""Every problem code of manifest v1, produced on purpose: where it is reported (the JSON
path), with which code, and that its message tells the developer what to fix.

``CASES`` holds one or more cases per code; ``test_every_code_has_a_case`` fails when a
code is added to ``ManifestError`` or ``ManifestWarning`` without a case here.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from apps.catalog.manifests import (
    MAX_BYTES,
    Format,
    ManifestError,
    ManifestWarning,
    manifest_validate,
    manifest_validate_text,
)
from apps.catalog.manifests.problems import json_path
from apps.catalog.manifests.schema import MAX_PROBLEMS
from apps.catalog.manifests.types import manifest_from_data
from tests.apps.catalog.manifests.connection_cases import connection_cases
from tests.apps.catalog.manifests.fixtures import EFFECTIVE_SCOPES, SETTING, valid_manifest

ERROR_CODES = set(ManifestError)
WARNING_CODES = set(ManifestWarning)

Mutation = Callable[[dict[str, Any]], None]


# --- building broken manifests ---------------------------------------------------------------


def _parent(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def put(*path: str | int, value: Any) -> Mutation:
    """Set the value at ``path`` (adding the key when missing)."""

    def mutate(data: dict[str, Any]) -> None:
        _parent(data, path)[path[-1]] = value

    return mutate


def drop(*path: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del _parent(data, path)[path[-1]]

    return mutate


def append(*path: str | int, item: Any) -> Mutation:
    """Append ``item`` to the list at ``path``; a callable item is called with the data."""

    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path:
            target = target[part]
        target.append(item(data) if callable(item) else item)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


def mutated(mutation: Mutation) -> dict[str, Any]:
    data = valid_manifest()
    mutation(data)
    return data


def yaml_of(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def nested_yaml(levels: int) -> str:
    """A YAML block mapping ``levels`` deep, without a single bracket."""
    lines = [f"{'  ' * depth}level{depth}:" for depth in range(levels)]
    return "\n".join(lines) + f"\n{'  ' * levels}leaf: 1\n"


def padded_json(size: int) -> str:
    text = json.dumps(valid_manifest())
    return text + " " * (size - len(text))


def setting(kind: str, *path: str | int) -> tuple[str | int, ...]:
    return ("settings", SETTING[kind], *path)


def setting_path(kind: str, name: str) -> str:
    return f"$.settings[{SETTING[kind]}].{name}"


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A broken manifest and every problem it must produce, in the order reported.

    ``problems`` are ``(path, code)`` pairs, errors and warnings together. ``primary``
    is the one the case is about (the first unless given), and its message must contain
    each of ``mentions``. Give either ``mutate`` (applied to a valid manifest) or ``raw``
    text.
    """

    id: str
    problems: tuple[tuple[str, str], ...]
    mutate: Mutation | None = None
    raw: str | bytes | None = None
    fmt: Format | None = None
    mentions: tuple[str, ...] = ()
    primary: tuple[str, str] | None = None

    def __str__(self) -> str:
        return self.id

    @property
    def about(self) -> tuple[str, str]:
        return self.primary or self.problems[0]

    def check(self):
        if self.raw is not None:
            return manifest_validate_text(self.raw, fmt=self.fmt)
        assert self.mutate is not None
        return manifest_validate(mutated(self.mutate))


def case(id: str, *problems: tuple[str, str], **kwargs: Any) -> Case:
    return Case(id=id, problems=problems, **kwargs)


E = ManifestError
W = ManifestWarning

READING_CASES = [
    case(
        "too_large",
        ("$", E.TOO_LARGE),
        raw=padded_json(MAX_BYTES + 1),
        mentions=("262,145 bytes", "256 KB"),
    ),
    case("too_deep-json", ("$", E.TOO_DEEP), raw="[" * 33 + "]" * 33, mentions=("32 levels",)),
    case("too_deep-yaml-block", ("$", E.TOO_DEEP), raw=nested_yaml(40), mentions=("32 levels",)),
    case(
        "invalid_json-trailing-comma",
        ("$", E.INVALID_JSON),
        raw='{"manifest_version": 1,}',
        mentions=("line 1, column 24",),
    ),
    case(
        "invalid_json-nan",
        ("$", E.INVALID_JSON),
        raw='{"manifest_version": NaN}',
        mentions=("NaN",),
    ),
    case(
        "invalid_yaml-syntax",
        ("$", E.INVALID_YAML),
        raw="manifest_version: 1\nscopes: [a, b\nversion: 1.0.0\n",
        mentions=("line 3",),
    ),
    case(
        "invalid_yaml-anchor",
        ("$", E.INVALID_YAML),
        raw="base: &base {level: read}\nscopes: [*base]\n",
        mentions=("anchors", "line 1"),
    ),
    case(
        "invalid_yaml-alias",
        ("$", E.INVALID_YAML),
        raw="scopes: [*base]\n",
        mentions=("aliases", "line 1"),
    ),
    case(
        "invalid_yaml-several-documents",
        ("$", E.INVALID_YAML),
        raw=yaml_of(valid_manifest()) + "---\n" + yaml_of(valid_manifest()),
        mentions=("one YAML document", "found 2"),
    ),
    case(
        "duplicate_field-json",
        ("$", E.DUPLICATE_FIELD),
        raw='{"version": "1.0.0", "scopes": [], "version": "1.0.1"}',
        mentions=("'version'", "twice"),
    ),
    case(
        "duplicate_field-yaml",
        ("$", E.DUPLICATE_FIELD),
        raw="version: 1.0.0\nscopes:\n  - code: crm\n    code: fin\n",
        mentions=("'code'", "twice", "line 4"),
    ),
    case(
        "invalid_value-yaml-nan",
        (setting_path("number", "default"), E.INVALID_VALUE),
        raw=yaml_of(mutated(put(*setting("number", "default"), value=float("nan")))),
        mentions=("finite",),
    ),
    case(
        "invalid_value-yaml-infinity",
        ("$.scopes[0].reason", E.INVALID_VALUE),
        raw=yaml_of(valid_manifest()).replace(
            "reason: Shows the customer on each invoice.", "reason: -.inf"
        ),
        mentions=("finite",),
    ),
    case(
        "invalid_value-yaml-number-key",
        ("$", E.INVALID_VALUE),
        raw=yaml_of(valid_manifest()) + "404: not found\n",
        mentions=("404", "not text"),
    ),
    case(
        "invalid_value-yaml-binary",
        ("$.version", E.INVALID_VALUE),
        raw=yaml_of(valid_manifest()).replace("version: 2.1.0", "version: !!binary MS4wLjA="),
        mentions=("binary", "write text"),
    ),
]

STRUCTURE_CASES = [
    case(
        "too_many_problems",
        *((f"$.extra{i:03d}", E.UNKNOWN_FIELD) for i in range(MAX_PROBLEMS)),
        ("$", E.TOO_MANY_PROBLEMS),
        mutate=lambda d: d.update({f"extra{i:03d}": i for i in range(250)}),
        primary=("$", E.TOO_MANY_PROBLEMS),
        mentions=(f"first {MAX_PROBLEMS} problems",),
    ),
    case(
        "wrong_type-string-given-a-number",
        ("$.version", E.WRONG_TYPE),
        mutate=put("version", value=2.1),
        mentions=("a string", "a number", "quotes"),
    ),
    case(
        "wrong_type-boolean-given-a-string",
        (setting_path("string", "required"), E.WRONG_TYPE),
        mutate=put(*setting("string", "required"), value="yes"),
        mentions=("true or false", "a string"),
    ),
    case(
        "wrong_type-array-given-an-object",
        ("$.redirect_uris", E.WRONG_TYPE),
        mutate=put("redirect_uris", value={"main": "https://invoicer.example.com/cb"}),
        mentions=("an array", "an object"),
    ),
    case(
        "wrong_type-manifest-not-an-object",
        ("$", E.WRONG_TYPE),
        raw="[1, 2, 3]",
        mentions=("an object", "an array"),
    ),
    case(
        "wrong_type-enum-given-a-number",
        ("$.scopes[2].level", E.WRONG_TYPE),
        mutate=put("scopes", 2, "level", value=1),
        mentions=("a string", "a number"),
    ),
    case(
        "missing_field-top-level",
        ("$.redirect_uris", E.MISSING_FIELD),
        mutate=drop("redirect_uris"),
        mentions=("'redirect_uris'", "required"),
    ),
    case(
        "missing_field-scope-reason",
        ("$.scopes[1].reason", E.MISSING_FIELD),
        mutate=drop("scopes", 1, "reason"),
        mentions=("'reason'", "required"),
    ),
    case(
        "missing_field-select-options",
        (setting_path("select", "default"), E.INVALID_DEFAULT),
        (setting_path("select", "options"), E.MISSING_FIELD),
        mutate=drop(*setting("select", "options")),
        mentions=('"eur"', "none"),
    ),
    case(
        "missing_field-reference-model",
        (setting_path("reference", "model"), E.MISSING_FIELD),
        mutate=drop(*setting("reference", "model")),
        mentions=("'model'",),
    ),
    case(
        "unknown_field-top-level-typo",
        ("$.webhook", E.UNKNOWN_FIELD),
        mutate=put("webhook", value=[]),
        mentions=("'webhook'", 'Did you mean "webhooks"?', "connection_test_url"),
    ),
    case(
        "unknown_field-in-a-scope",
        ("$.scopes[0].reasons", E.UNKNOWN_FIELD),
        mutate=put("scopes", 0, "reasons", value="typo"),
        mentions=("'reasons'", 'Did you mean "reason"?', "code, level, reason"),
    ),
    case(
        "unknown_field-in-a-setting",
        (setting_path("string", "defualt"), E.UNKNOWN_FIELD),
        mutate=put(*setting("string", "defualt"), value="x"),
        mentions=("'defualt'", 'Did you mean "default"?'),
    ),
    case(
        "unknown_field-nothing-close",
        ("$.colour", E.UNKNOWN_FIELD),
        mutate=put("colour", value="blue"),
        mentions=("'colour'", "Fields allowed here"),
    ),
    case(
        "invalid_choice-authorization",
        ("$.authorization", E.INVALID_CHOICE),
        mutate=put("authorization", value="accounts"),
        mentions=('"accounts"', 'Did you mean "account"?', "account, user"),
    ),
    case(
        "invalid_choice-setting-level",
        (setting_path("string", "level"), E.INVALID_CHOICE),
        mutate=put(*setting("string", "level"), value="team"),
        mentions=('"team"', "app, user"),
    ),
    case(
        "unsupported_manifest_version",
        ("$.manifest_version", E.UNSUPPORTED_MANIFEST_VERSION),
        mutate=put("manifest_version", value=2),
        mentions=("1", "2"),
    ),
    case(
        "unsupported_manifest_version-as-text",
        ("$.manifest_version", E.UNSUPPORTED_MANIFEST_VERSION),
        mutate=put("manifest_version", value="1"),
        mentions=('"1"',),
    ),
    case(
        "invalid_format-webhook-id",
        ("$.webhooks[0].id", E.INVALID_FORMAT),
        mutate=put("webhooks", 0, "id", value="Invoice Updated"),
        mentions=('"Invoice Updated"', "lowercase letters"),
    ),
    case(
        "invalid_format-setting-key",
        (setting_path("string", "key"), E.INVALID_FORMAT),
        mutate=put(*setting("string", "key"), value="9lives"),
        mentions=('"9lives"', "starting with a letter"),
    ),
    case(
        "invalid_format-embedding-code",
        ("$.embeddings[0].code", E.INVALID_FORMAT),
        mutate=put("embeddings", 0, "code", value="Panel!"),
        mentions=('"Panel!"',),
    ),
    case(
        "invalid_semver",
        ("$.version", E.INVALID_SEMVER),
        mutate=put("version", value="1.0"),
        mentions=('"1.0"', "MAJOR.MINOR.PATCH"),
    ),
    case(
        "too_short-reason",
        ("$.scopes[0].reason", E.TOO_SHORT),
        mutate=put("scopes", 0, "reason", value=""),
        mentions=("empty",),
    ),
    case(
        "too_short-redirect-uri",
        ("$.redirect_uris[0]", E.TOO_SHORT),
        mutate=put("redirect_uris", 0, value=""),
        mentions=("empty",),
    ),
    case(
        "too_long-title",
        ("$.embeddings[0].title", E.TOO_LONG),
        mutate=put("embeddings", 0, "title", value="x" * 101),
        mentions=("100", "101"),
    ),
    case(
        "too_long-version",
        ("$.version", E.TOO_LONG),
        mutate=put("version", value="1.0.0-" + "a" * 59),
        mentions=("64", "65"),
    ),
    case(
        "too_few-redirect-uris",
        ("$.redirect_uris", E.TOO_FEW),
        mutate=put("redirect_uris", value=[]),
        mentions=("at least one",),
    ),
    case(
        "too_few-options",
        (setting_path("select", "default"), E.INVALID_DEFAULT),
        (setting_path("select", "options"), E.TOO_FEW),
        mutate=put(*setting("select", "options"), value=[]),
    ),
    case(
        "too_many-redirect-uris",
        ("$.redirect_uris", E.TOO_MANY),
        mutate=put(
            "redirect_uris", value=[f"https://invoicer.example.com/cb/{i}" for i in range(11)]
        ),
        mentions=("At most 10", "11"),
    ),
    case(
        "unknown_scope",
        ("$.scopes[2].code", E.UNKNOWN_SCOPE),
        mutate=put("scopes", 2, "code", value="userz"),
        mentions=('"userz"', 'Did you mean "users"?', "/api/v1/manifests/schema"),
    ),
    case(
        "unknown_level",
        ("$.scopes[2].level", E.UNKNOWN_LEVEL),
        mutate=put("scopes", 2, "level", value="write"),
        mentions=('"write"', "read, full"),
    ),
    case(
        "unknown_event",
        ("$.webhooks[0].event", E.UNKNOWN_EVENT),
        mutate=put("webhooks", 0, "event", value="fin.invoice.updated"),
        mentions=('"fin.invoice.updated"', 'Did you mean "fin.invoices.updated"?'),
    ),
    case(
        "unknown_event-app",
        ("$.webhooks[0].event", E.UNKNOWN_EVENT),
        mutate=put("webhooks", 0, "event", value="app.deleted"),
        mentions=(
            '"app.deleted"',
            "The app events are app.installed, app.updated, app.uninstalled.",
        ),
    ),
    case(
        "unknown_location",
        ("$.embeddings[0].location", E.UNKNOWN_LOCATION),
        mutate=put("embeddings", 0, "location", value="fin.invoices.card"),
        mentions=('"fin.invoices.card"', 'Did you mean "fin.invoice.card"?'),
    ),
    case(
        "unknown_model",
        (setting_path("reference", "model"), E.UNKNOWN_MODEL),
        mutate=put(*setting("reference", "model"), value="crm.acount"),
        mentions=('"crm.acount"', 'Did you mean "crm.account"?'),
    ),
    case(
        "unknown_setting_type",
        (setting_path("string", "type"), E.UNKNOWN_SETTING_TYPE),
        mutate=put(*setting("string", "type"), value="strng"),
        mentions=('"strng"', 'Did you mean "string"?', "reference"),
    ),
]

ANOTHER_WEBHOOK = {
    "id": "invoice-updated",
    "event": "fin.invoices.created",
    "url": "https://invoicer.example.com/hooks/created",
}

MEANING_CASES = [
    case(
        "duplicate_id-webhook",
        ("$.webhooks[1].id", E.DUPLICATE_ID),
        mutate=append("webhooks", item=ANOTHER_WEBHOOK),
        mentions=('"invoice-updated"', "webhooks[0]"),
    ),
    case(
        "duplicate_id-embedding",
        ("$.embeddings[2].id", E.DUPLICATE_ID),
        mutate=append("embeddings", item=lambda d: {**d["embeddings"][1], "code": "other"}),
        mentions=('"menu"', "embeddings[1]"),
    ),
    case(
        "duplicate_key-setting",
        ("$.settings[8].key", E.DUPLICATE_KEY),
        mutate=append(
            "settings", item={"key": "logo", "level": "user", "type": "string", "label": "Logo"}
        ),
        mentions=('"logo"', f"settings[{SETTING['file']}]"),
    ),
    case(
        "duplicate_uri",
        ("$.redirect_uris[2]", E.DUPLICATE_URI),
        mutate=append("redirect_uris", item="https://invoicer.example.com/oauth/callback"),
        mentions=("redirect_uris[0]",),
    ),
    case(
        "duplicate_option",
        (setting_path("select", "options") + "[2].value", E.DUPLICATE_OPTION),
        mutate=append(*setting("select", "options"), item={"value": "eur", "label": "Euro (€)"}),
        mentions=('"eur"', "options[0]"),
    ),
    case(
        "invalid_url-relative-redirect",
        ("$.redirect_uris[0]", E.INVALID_URL),
        mutate=put("redirect_uris", 0, value="/oauth/callback"),
        mentions=('"/oauth/callback"', "absolute"),
    ),
    case(
        "insecure_url-webhook",
        ("$.webhooks[0].url", E.INSECURE_URL),
        mutate=put("webhooks", 0, "url", value="http://invoicer.example.com/hooks"),
        mentions=("https", "invoicer.example.com"),
    ),
    case(
        "event_not_covered",
        ("$.webhooks[1].event", E.EVENT_NOT_COVERED),
        mutate=append(
            "webhooks",
            item={"id": "deal", "event": "crm.leads.created", "url": "https://x.example.com/h"},
        ),
        mentions=("crm.leads.created", "crm:read or crm.deals:read"),
    ),
    case(
        "event_not_covered-by-user.me",
        ("$.webhooks[1].event", E.EVENT_NOT_COVERED),
        mutate=both(
            put("scopes", 2, "code", value="user.me"),
            append(
                "webhooks",
                item={"id": "user", "event": "users.user.updated", "url": "https://x.example.com"},
            ),
        ),
        mentions=("users.user.updated", "declare users:read", "user.me is not enough"),
    ),
    case(
        "model_not_covered",
        (setting_path("reference", "model"), E.MODEL_NOT_COVERED),
        mutate=put(*setting("reference", "model"), value="task.task"),
        mentions=("task.task", "task:read"),
    ),
    case(
        "model_not_covered-after-dropping-the-scope",
        (setting_path("reference", "model"), E.MODEL_NOT_COVERED),
        mutate=lambda d: d["scopes"].pop(0),
        mentions=("crm.account", "crm:read or crm.accounts:read"),
    ),
    case(
        "field_not_allowed-options-on-a-string",
        (setting_path("string", "options"), E.FIELD_NOT_ALLOWED),
        mutate=put(*setting("string", "options"), value=[{"value": "a", "label": "A"}]),
        mentions=("select", '"string"'),
    ),
    case(
        "field_not_allowed-model-on-a-string",
        (setting_path("string", "model"), E.FIELD_NOT_ALLOWED),
        mutate=put(*setting("string", "model"), value="crm.account"),
        mentions=("reference", '"string"'),
    ),
    *(
        case(
            f"field_not_allowed-default-on-{kind}",
            (setting_path(kind, "default"), E.FIELD_NOT_ALLOWED),
            mutate=put(*setting(kind, "default"), value="x"),
            mentions=(f"A {kind} setting cannot have a default",),
        )
        for kind in ("secret", "file", "reference")
    ),
    case(
        "invalid_default-string-given-a-number",
        (setting_path("string", "default"), E.INVALID_DEFAULT),
        mutate=put(*setting("string", "default"), value=3),
        mentions=("string setting", "text", "a number"),
    ),
    case(
        "invalid_default-number-given-a-boolean",
        (setting_path("number", "default"), E.INVALID_DEFAULT),
        mutate=put(*setting("number", "default"), value=True),
        mentions=("number setting", "true or false"),
    ),
    case(
        "invalid_default-number-given-text",
        (setting_path("number", "default"), E.INVALID_DEFAULT),
        mutate=put(*setting("number", "default"), value="30"),
        mentions=("a number", "a string"),
    ),
    case(
        "invalid_default-boolean-given-a-number",
        (setting_path("boolean", "default"), E.INVALID_DEFAULT),
        mutate=put(*setting("boolean", "default"), value=0),
        mentions=("true or false", "a number"),
    ),
    case(
        "invalid_default-select-not-an-option",
        (setting_path("select", "default"), E.INVALID_DEFAULT),
        mutate=put(*setting("select", "default"), value="gbp"),
        mentions=('"gbp"', '"eur", "usd"'),
    ),
]

WARNING_CASES = [
    case(
        "duplicate_scope",
        ("$.scopes[3]", W.DUPLICATE_SCOPE),
        mutate=append("scopes", item={"code": "crm.accounts", "level": "read", "reason": "Again"}),
        mentions=("crm.accounts:read", "more than once"),
    ),
    case(
        "scope_level_overridden",
        ("$.scopes[0]", W.SCOPE_LEVEL_OVERRIDDEN),
        mutate=append("scopes", item={"code": "crm.accounts", "level": "full", "reason": "Edit"}),
        mentions=("crm.accounts:read is ignored", "crm.accounts:full"),
    ),
    case(
        "scope_level_overridden-full-declared-first",
        ("$.scopes[1]", W.SCOPE_LEVEL_OVERRIDDEN),
        mutate=lambda d: d["scopes"].insert(
            0, {"code": "crm.accounts", "level": "full", "reason": "Edit"}
        ),
        mentions=("crm.accounts:read is ignored",),
    ),
    case(
        "scope_overridden_by_module",
        ("$.scopes[0]", W.SCOPE_OVERRIDDEN_BY_MODULE),
        mutate=append("scopes", item={"code": "crm", "level": "read", "reason": "All of CRM"}),
        mentions=("crm.accounts:read is ignored", "crm:read", "Declare crm"),
    ),
    case(
        "scope_overridden_by_module-whatever-the-level",
        ("$.scopes[3]", W.SCOPE_OVERRIDDEN_BY_MODULE),
        mutate=append("scopes", item={"code": "user.me", "level": "full", "reason": "Profile"}),
        mentions=("user.me:full is ignored", "users:read"),
    ),
    case(
        "location_model_not_covered",
        ("$.embeddings[2].location", W.LOCATION_MODEL_NOT_COVERED),
        mutate=append(
            "embeddings",
            item={
                "id": "deal",
                "location": "crm.deal.card",
                "code": "deal",
                "url": "https://invoicer.example.com/embed/deal",
                "title": "Invoice this deal",
            },
        ),
        mentions=("crm.leads", "crm.deal.card", "crm:read or crm.deals:read"),
    ),
    case(
        "duplicate_subscription",
        ("$.webhooks[1]", W.DUPLICATE_SUBSCRIPTION),
        mutate=append("webhooks", item=lambda d: {**d["webhooks"][0], "id": "again"}),
        mentions=("webhooks[0]", "fin.invoices.updated", "twice"),
    ),
]

CONNECTION_CASES = connection_cases(case, E)

CASES = [*READING_CASES, *STRUCTURE_CASES, *MEANING_CASES, *CONNECTION_CASES, *WARNING_CASES]


def assert_readable(message: str, mentions: tuple[str, ...] = ()) -> None:
    """A sentence a developer can act on, naming what it is about."""
    assert isinstance(message, str)
    assert message == message.strip()
    assert len(message.split()) >= 3, message
    assert message[-1] in ".?", message
    for mention in mentions:
        assert mention in message, f"{mention!r} not in {message!r}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_problem(case):
    check = case.check()

    expected_errors = [p for p in case.problems if p[1] in ERROR_CODES]
    expected_warnings = [p for p in case.problems if p[1] in WARNING_CODES]
    assert [(p.path, p.code) for p in check.errors] == expected_errors
    assert [(p.path, p.code) for p in check.warnings] == expected_warnings
    assert check.valid is not expected_errors
    [problem] = [p for p in (*check.errors, *check.warnings) if (p.path, p.code) == case.about]
    assert_readable(problem.message, case.mentions)


def test_every_code_has_a_case():
    covered = {code for case in CASES for _, code in case.problems}
    primary = {case.about[1] for case in CASES}

    assert covered >= ERROR_CODES | WARNING_CODES
    assert primary >= ERROR_CODES | WARNING_CODES


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_the_fixture_is_valid():
    check = manifest_validate(valid_manifest())

    assert check.errors == ()
    assert check.warnings == ()
    assert list(check.effective_scopes) == EFFECTIVE_SCOPES
    assert check.manifest is not None
    assert check.manifest.version == "2.1.0"
    assert [s.type for s in check.manifest.settings] == list(SETTING)
    assert check.as_dict() == {"valid": True, "effective_scopes": EFFECTIVE_SCOPES, "warnings": []}


def test_a_manifest_with_only_warnings_is_valid():
    data = mutated(append("scopes", item={"code": "crm", "level": "full", "reason": "All"}))

    check = manifest_validate(data)

    assert check.valid
    assert check.manifest is not None
    assert list(check.effective_scopes) == ["crm:full", "fin.invoices:full", "users:read"]
    assert [(w.path, w.code) for w in check.warnings] == [
        ("$.scopes[0]", W.SCOPE_OVERRIDDEN_BY_MODULE)
    ]
    body = check.as_dict()
    assert body["valid"] is True
    assert body["warnings"] == [
        {
            "path": "$.scopes[0]",
            "code": "scope_overridden_by_module",
            "message": body["warnings"][0]["message"],
        }
    ]


def test_an_invalid_manifest_has_no_typed_manifest_nor_effective_scopes():
    check = manifest_validate(mutated(put("version", value="1.0")))

    assert not check.valid
    assert check.manifest is None
    assert check.effective_scopes == ()
    assert check.as_dict() == {
        "valid": False,
        "errors": [
            {"path": "$.version", "code": "invalid_semver", "message": check.errors[0].message}
        ],
        "warnings": [],
    }


# --- semantic versions --------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [
        "1.0",
        "1",
        "01.0.0",
        "1.01.0",
        "1.0.00",
        "1.0.0\n",
        " 1.0.0",
        "v1.0.0",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-01",
        "1.0.0-beta..1",
        "1.0.0+build..5",
        "1.0.0-béta",
        "\u0661.\u0660.\u0660",  # Arabic-Indic digits
        "\uff11.\uff10.\uff10",  # fullwidth digits
        "",
    ],
    ids=repr,
)
def test_malformed_versions_are_invalid_semver(version):
    check = manifest_validate(mutated(put("version", value=version)))

    assert [(e.path, e.code) for e in check.errors] == [("$.version", E.INVALID_SEMVER)]
    assert_readable(
        check.errors[0].message, (json.dumps(version, ensure_ascii=False), "MAJOR.MINOR.PATCH")
    )


@pytest.mark.parametrize(
    "version",
    [
        "0.0.0",
        "1.0.0",
        "10.20.30",
        "1.0.0-beta.1+build.5",
        "1.0.0-0.3.7",
        "1.0.0-x-y-z.--",
        "1.0.0+001",
    ],
    ids=repr,
)
def test_well_formed_versions_are_accepted(version):
    check = manifest_validate(mutated(put("version", value=version)))

    assert check.errors == ()
    assert check.manifest is not None
    assert check.manifest.version == version


# --- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "mention"),
    [
        ("/oauth/callback", "absolute"),
        ("invoicer.example.com/oauth/callback", "absolute"),
        ("https://", "with a host"),
        ("https:///oauth/callback", "with a host"),
        ("ftp://invoicer.example.com/oauth/callback", "http(s)"),
        ("javascript:alert(1)", "http(s)"),
        ("https://user:secret@invoicer.example.com/cb", "user name or password"),
        ("https://user@invoicer.example.com/cb", "user name or password"),
        ("https://invoicer.example.com/cb#done", "#fragment"),
        ("https://invoicer.example.com/o auth", "spaces"),
        ("https://invoicer.example.com/cb\t", "spaces"),
        ("https://invoicer.example.com:99999/cb", "not a valid URL"),
        ("http://[::1/cb", "not a valid URL"),
    ],
    ids=repr,
)
def test_invalid_redirect_uris(url, mention):
    check = manifest_validate(mutated(put("redirect_uris", 0, value=url)))

    assert [(e.path, e.code) for e in check.errors] == [("$.redirect_uris[0]", E.INVALID_URL)]
    assert_readable(check.errors[0].message, (mention,))


@pytest.mark.parametrize(
    ("path", "url"),
    [
        (("redirect_uris", 0), "http://invoicer.example.com/oauth/callback"),
        (("webhooks", 0, "url"), "http://invoicer.example.com/hooks"),
        (("embeddings", 0, "url"), "http://invoicer.example.com/embed"),
        (("connection_test_url",), "http://invoicer.example.com/check"),
        (("install_start_url",), "http://invoicer.example.com/install"),
        (("redirect_uris", 0), "http://localhost.example.com/cb"),
        (("redirect_uris", 0), "http://10.0.0.1/cb"),
    ],
    ids=lambda value: "/".join(map(str, value)) if isinstance(value, tuple) else value,
)
def test_plain_http_to_a_real_host_is_insecure(path, url):
    check = manifest_validate(mutated(put(*path, value=url)))

    assert [(e.path, e.code) for e in check.errors] == [(json_path(path), E.INSECURE_URL)]
    assert_readable(check.errors[0].message, ("https",))


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/cb",
        "http://localhost:8000/cb",
        "http://LOCALHOST/cb",
        "http://127.0.0.1:8001/cb",
        "http://[::1]/cb",
        "http://[::1]:3000/cb",
        "http://app.localhost/cb",
        "https://invoicer.example.com:8443/cb?tenant=acme",
        "HTTPS://INVOICER.EXAMPLE.COM/cb",
    ],
)
def test_accepted_redirect_uris(url):
    check = manifest_validate(mutated(put("redirect_uris", 0, value=url)))

    assert check.errors == ()
    assert check.manifest is not None
    assert check.manifest.redirect_uris[0] == url


def test_a_fragment_is_refused_only_on_redirect_uris():
    data = mutated(put("webhooks", 0, "url", value="https://invoicer.example.com/hooks#x"))

    assert manifest_validate(data).errors == ()


# --- precedence warnings point at every ignored entry -------------------------------------


def test_every_repetition_of_a_scope_is_pointed_at():
    again = {"code": "crm.accounts", "level": "read", "reason": "Again"}
    data = mutated(both(append("scopes", item=again), append("scopes", item=again)))

    check = manifest_validate(data)

    assert check.valid
    assert [(w.path, w.code) for w in check.warnings] == [
        ("$.scopes[3]", W.DUPLICATE_SCOPE),
        ("$.scopes[4]", W.DUPLICATE_SCOPE),
    ]
    assert list(check.effective_scopes) == EFFECTIVE_SCOPES


def test_a_repeated_scope_overridden_by_its_module():
    data = mutated(
        both(
            append("scopes", item={"code": "crm.accounts", "level": "read", "reason": "Again"}),
            append("scopes", item={"code": "crm", "level": "read", "reason": "All of CRM"}),
        )
    )

    check = manifest_validate(data)

    assert [(w.path, w.code) for w in check.warnings] == [
        ("$.scopes[0]", W.SCOPE_OVERRIDDEN_BY_MODULE),
        ("$.scopes[3]", W.DUPLICATE_SCOPE),
    ]
    assert list(check.effective_scopes) == ["crm:read", "fin.invoices:full", "users:read"]


# --- every problem at once -------------------------------------------------------------------


def test_every_problem_is_reported_at_once_sorted_by_path():
    data = valid_manifest()
    data["manifest_version"] = 3
    data["version"] = "v2"
    data["authorisation"] = "account"
    del data["authorization"]
    data["redirect_uris"].append("http://invoicer.example.com/cb")
    data["scopes"][0]["level"] = "write"
    data["scopes"].append({"code": "fin.invoices", "level": "full", "reason": "Again"})
    data["webhooks"].append({**ANOTHER_WEBHOOK, "event": "task.task.created"})
    data["embeddings"][0]["title"] = ""
    data["settings"][SETTING["number"]]["default"] = "thirty"
    data["settings"][SETTING["secret"]]["default"] = "changeme"
    data["settings"][SETTING["select"]]["options"][1]["value"] = "eur"
    data["connection_test_url"] = "/check"

    check = manifest_validate(data)

    assert [(e.path, e.code) for e in check.errors] == [
        ("$.authorisation", E.UNKNOWN_FIELD),
        ("$.authorization", E.MISSING_FIELD),
        ("$.connection_test_url", E.INVALID_URL),
        ("$.embeddings[0].title", E.TOO_SHORT),
        ("$.manifest_version", E.UNSUPPORTED_MANIFEST_VERSION),
        ("$.redirect_uris[2]", E.INSECURE_URL),
        ("$.scopes[0].level", E.UNKNOWN_LEVEL),
        ("$.settings[2].default", E.INVALID_DEFAULT),
        ("$.settings[4].options[1].value", E.DUPLICATE_OPTION),
        ("$.settings[5].default", E.FIELD_NOT_ALLOWED),
        ("$.settings[7].model", E.MODEL_NOT_COVERED),
        ("$.version", E.INVALID_SEMVER),
        ("$.webhooks[1].event", E.EVENT_NOT_COVERED),
        ("$.webhooks[1].id", E.DUPLICATE_ID),
    ]
    assert [(w.path, w.code) for w in check.warnings] == [("$.scopes[3]", W.DUPLICATE_SCOPE)]
    for problem in (*check.errors, *check.warnings):
        assert_readable(problem.message)
    assert check.manifest is None
    assert json.loads(json.dumps(check.as_dict())) == check.as_dict()


@pytest.mark.parametrize(
    "url",
    ["https://invoicer.example.com/marketplace/install", "http://localhost:8001/oauth/install"],
)
def test_an_install_start_url_is_read_into_the_manifest(url):
    data = mutated(put("install_start_url", value=url))

    check = manifest_validate(data)

    assert check.errors == ()
    assert (
        manifest_from_data(data, effective_scopes=check.effective_scopes).install_start_url == url
    )


@pytest.mark.parametrize(
    ("url", "code"),
    [("/install", E.INVALID_URL), ("ftp://invoicer.example.com/x", E.INVALID_URL), ("", None)],
    ids=["relative", "ftp", "empty"],
)
def test_an_install_start_url_that_is_not_an_absolute_url_is_refused(url, code):
    check = manifest_validate(mutated(put("install_start_url", value=url)))

    assert [e.path for e in check.errors] == ["$.install_start_url"]
    if code is not None:
        assert check.errors[0].code == code


@pytest.mark.parametrize("event", ["app.installed", "app.updated", "app.uninstalled"])
def test_an_app_event_needs_no_scope(event):
    data = valid_manifest()
    data["scopes"] = []
    data["webhooks"] = [{"id": "lifecycle", "event": event, "url": "https://x.example.com/h"}]
    data["embeddings"] = [e for e in data["embeddings"] if e["location"] == "main_menu"]
    data["settings"] = [s for s in data["settings"] if s["type"] != "reference"]

    check = manifest_validate(data)

    assert check.errors == ()
    assert check.effective_scopes == ()
    assert manifest_from_data(data, effective_scopes=()).webhooks[0].event == event
