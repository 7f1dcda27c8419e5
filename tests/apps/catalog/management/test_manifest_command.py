"""``manage.py manifest validate FILE`` and ``manage.py manifest diff OLD NEW``."""

import io
import json
import sys

import pytest
import yaml
from django.core.management import CommandError, call_command

from apps.catalog.manifests import MAX_BYTES
from tests.apps.api.helpers import API, api_client
from tests.apps.catalog.manifests.fixtures import EFFECTIVE_SCOPES, SETTING, valid_manifest
from tests.factories import ApiKeyFactory


def write_json(path, data) -> str:
    path.write_text(json.dumps(data, indent=2))
    return str(path)


def write_yaml(path, data) -> str:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def run(*args: str) -> tuple[str, int]:
    """The command's output and exit status."""
    out = io.StringIO()
    try:
        call_command("manifest", *args, stdout=out)
    except SystemExit as exc:
        return out.getvalue(), exc.code
    return out.getvalue(), 0


def broken_manifest() -> dict:
    data = valid_manifest()
    data["version"] = "1.0"
    data["settings"][SETTING["secret"]]["default"] = "changeme"
    return data


def newer_manifest() -> dict:
    data = valid_manifest()
    data["version"] = "2.2.0"
    data["scopes"][0]["level"] = "full"
    data["webhooks"].append(
        {
            "id": "invoice-created",
            "event": "fin.invoices.created",
            "url": "https://invoicer.example.com/hooks/created",
        }
    )
    del data["settings"][SETTING["file"]]
    return data


@pytest.fixture
def stdin(monkeypatch):
    """``stdin(b"...")``: what the command reads from ``-``."""

    class Stdin:
        def __init__(self, data: bytes) -> None:
            self.buffer = io.BytesIO(data)

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", Stdin(data))

    return feed


# --- validate ------------------------------------------------------------------------------------


class TestValidate:
    @pytest.mark.parametrize(
        ("name", "write"),
        [("manifest.json", write_json), ("manifest.yaml", write_yaml), ("manifest", write_yaml)],
        ids=["json", "yaml", "no-extension"],
    )
    def test_a_valid_manifest_prints_the_json_of_the_api(self, tmp_path, name, write):
        path = write(tmp_path / name, valid_manifest())

        out, status = run("validate", path)

        assert status == 0
        assert json.loads(out) == {
            "valid": True,
            "effective_scopes": EFFECTIVE_SCOPES,
            "warnings": [],
        }

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        "data", [valid_manifest(), broken_manifest()], ids=["valid", "invalid"]
    )
    def test_the_output_is_what_the_api_answers(self, tmp_path, account, data):
        _, raw = ApiKeyFactory(account=account)
        api = api_client(key=raw).post(
            f"{API}/manifests/validate", data=json.dumps(data), content_type="application/json"
        )

        out, _ = run("validate", write_json(tmp_path / "manifest.json", data))

        body = api.json()
        body.pop("error", None)
        assert json.loads(out) == body

    def test_an_invalid_manifest_exits_1_with_its_errors(self, tmp_path):
        out, status = run("validate", write_json(tmp_path / "manifest.json", broken_manifest()))

        assert status == 1
        body = json.loads(out)
        assert body["valid"] is False
        assert [(e["path"], e["code"]) for e in body["errors"]] == [
            ("$.settings[5].default", "field_not_allowed"),
            ("$.version", "invalid_semver"),
        ]
        assert body["warnings"] == []

    def test_text_format_for_a_valid_manifest(self, tmp_path):
        data = valid_manifest()
        data["scopes"].append({"code": "crm", "level": "read", "reason": "All of the CRM."})
        path = write_yaml(tmp_path / "manifest.yml", data)

        out, status = run("validate", path, "--format", "text")

        assert status == 0
        lines = out.splitlines()
        assert lines[0] == f"{path}: valid"
        assert lines[1] == "Effective scopes: crm:read, fin.invoices:full, users:read"
        assert lines[2].startswith("  warning $.scopes[0]  [scope_overridden_by_module]  ")
        assert "crm.accounts:read is ignored" in lines[2]
        assert len(lines) == 3

    def test_text_format_for_an_invalid_manifest(self, tmp_path):
        path = write_json(tmp_path / "manifest.json", broken_manifest())

        out, status = run("validate", path, "--format", "text")

        assert status == 1
        lines = out.splitlines()
        assert lines[0] == f"{path}: 2 errors"
        assert lines[1] == (
            "  $.settings[5].default  [field_not_allowed]  "
            "A secret setting cannot have a default; remove it."
        )
        assert lines[2].startswith('  $.version  [invalid_semver]  "1.0" is not a semantic version')
        assert len(lines) == 3

    def test_text_format_for_one_error(self, tmp_path):
        path = write_json(tmp_path / "manifest.json", {**valid_manifest(), "version": "1"})

        out, _ = run("validate", path, "--format", "text")

        assert out.splitlines()[0] == f"{path}: 1 error"

    def test_text_format_without_scopes(self, tmp_path):
        data = valid_manifest()
        data.update(scopes=[], webhooks=[], embeddings=[], settings=[])

        out, status = run("validate", write_json(tmp_path / "m.json", data), "--format", "text")

        assert status == 0
        assert out.splitlines()[1] == "Effective scopes: none"

    @pytest.mark.parametrize(
        "text",
        [json.dumps(valid_manifest()), yaml.safe_dump(valid_manifest())],
        ids=["json", "yaml"],
    )
    def test_dash_reads_standard_input(self, stdin, text):
        stdin(text.encode())

        out, status = run("validate", "-")

        assert status == 0
        assert json.loads(out)["effective_scopes"] == EFFECTIVE_SCOPES

    def test_invalid_standard_input(self, stdin):
        stdin(b"{bad")

        out, status = run("validate", "-")

        assert status == 1
        assert [(e["path"], e["code"]) for e in json.loads(out)["errors"]] == [
            ("$", "invalid_json")
        ]

    def test_the_file_extension_names_the_format(self, tmp_path):
        path = write_yaml(tmp_path / "manifest.json", valid_manifest())

        out, status = run("validate", path)

        assert status == 1
        assert [(e["path"], e["code"]) for e in json.loads(out)["errors"]] == [
            ("$", "invalid_json")
        ]

    def test_a_file_over_256_kb_is_too_large(self, tmp_path):
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(valid_manifest()) + " " * 2 * MAX_BYTES)

        out, status = run("validate", str(path))

        assert status == 1
        [error] = json.loads(out)["errors"]
        assert (error["path"], error["code"]) == ("$", "too_large")
        assert error["message"] == (
            "The manifest is larger than the limit of 262,144 bytes (256 KB)."
        )

    def test_a_file_of_exactly_256_kb_is_read(self, tmp_path):
        text = json.dumps(valid_manifest())
        path = tmp_path / "manifest.json"
        path.write_text(text + " " * (MAX_BYTES - len(text)))

        _, status = run("validate", str(path))

        assert status == 0

    def test_a_missing_file_is_a_command_error(self, tmp_path):
        missing = tmp_path / "missing.json"

        with pytest.raises(CommandError) as excinfo:
            run("validate", str(missing))

        assert excinfo.value.returncode == 2
        assert str(excinfo.value) == f"Cannot read {missing}: No such file or directory."

    def test_a_directory_is_a_command_error(self, tmp_path):
        with pytest.raises(CommandError) as excinfo:
            run("validate", str(tmp_path))

        assert excinfo.value.returncode == 2


# --- diff ----------------------------------------------------------------------------------------


class TestDiff:
    def test_json_diff(self, tmp_path):
        old = write_json(tmp_path / "old.json", valid_manifest())
        new = write_yaml(tmp_path / "new.yaml", newer_manifest())

        out, status = run("diff", old, new)

        assert status == 0
        body = json.loads(out)
        assert body["from_version"] == "2.1.0"
        assert body["to_version"] == "2.2.0"
        assert body["needs_consent"] is True
        assert body["scopes"]["raised"] == [{"code": "crm.accounts", "from": "read", "to": "full"}]
        assert [w["id"] for w in body["webhooks"]["added"]] == ["invoice-created"]
        assert [s["key"] for s in body["settings"]["removed"]] == ["logo"]

    def test_text_diff(self, tmp_path):
        old_data = valid_manifest()
        new_data = newer_manifest()
        new_data["authorization"] = "user"
        new_data["embeddings"][0]["title"] = "Invoices"
        old = write_json(tmp_path / "old.json", old_data)
        new = write_json(tmp_path / "new.json", new_data)

        out, status = run("diff", old, new, "--format", "text")

        assert status == 0
        assert out.splitlines() == [
            "2.1.0 -> 2.2.0",
            "  scope raised: crm.accounts read -> full",
            "  webhook added: invoice-created",
            "  embedding changed: invoice-panel (title)",
            "  setting removed: logo",
            '  authorization changed: {"from": "account", "to": "user"}',
            "Needs consent: the new version reaches data the old one could not "
            "(crm.accounts:full).",
        ]

    def test_text_diff_without_changes(self, tmp_path):
        old = write_json(tmp_path / "old.json", valid_manifest())
        new = write_yaml(tmp_path / "new.yaml", valid_manifest())

        out, status = run("diff", old, new, "--format", "text")

        assert status == 0
        assert out.splitlines() == ["2.1.0 -> 2.1.0", "No changes."]

    def test_an_invalid_side_exits_1_with_its_errors(self, tmp_path):
        old = write_json(tmp_path / "old.json", valid_manifest())
        new = write_json(tmp_path / "new.json", broken_manifest())

        out, status = run("diff", old, new)

        assert status == 1
        body = json.loads(out)
        assert body["valid"] is False
        assert [(e["path"], e["code"]) for e in body["errors"]] == [
            ("$.new.settings[5].default", "field_not_allowed"),
            ("$.new.version", "invalid_semver"),
        ]

    def test_two_invalid_sides_print_one_json_document(self, tmp_path):
        old_data = valid_manifest()
        old_data["authorization"] = "everyone"
        old = write_json(tmp_path / "old.json", old_data)
        new = write_json(tmp_path / "new.json", broken_manifest())

        out, status = run("diff", old, new)

        assert status == 1
        assert [(e["path"], e["code"]) for e in json.loads(out)["errors"]] == [
            ("$.old.authorization", "invalid_choice"),
            ("$.new.settings[5].default", "field_not_allowed"),
            ("$.new.version", "invalid_semver"),
        ]

    def test_an_invalid_side_in_text_names_its_file(self, tmp_path):
        old = write_json(tmp_path / "old.json", valid_manifest())
        new = write_json(tmp_path / "new.json", broken_manifest())

        out, status = run("diff", old, new, "--format", "text")

        assert status == 1
        lines = out.splitlines()
        assert lines[0] == f"{new}: 2 errors"
        assert lines[1].startswith("  $.settings[5].default  [field_not_allowed]  ")
        assert len(lines) == 3

    def test_dash_reads_one_side_from_standard_input(self, tmp_path, stdin):
        stdin(yaml.safe_dump(newer_manifest()).encode())
        old = write_json(tmp_path / "old.json", valid_manifest())

        out, status = run("diff", old, "-")

        assert status == 0
        assert json.loads(out)["to_version"] == "2.2.0"

    def test_a_missing_side_is_a_command_error(self, tmp_path):
        old = write_json(tmp_path / "old.json", valid_manifest())

        with pytest.raises(CommandError) as excinfo:
            run("diff", old, str(tmp_path / "missing.json"))

        assert excinfo.value.returncode == 2
