"""``manage.py manifest validate FILE`` and ``manage.py manifest diff OLD NEW``.

``validate`` prints what ``POST /api/v1/manifests/validate`` answers and exits 1 when the
manifest is invalid. ``diff`` prints what changed between two versions, or the errors of
an invalid one (exit 1), like ``POST /api/v1/manifests/diff`` with paths under ``$.old``
and ``$.new``. ``-`` reads standard input. ``--format text`` prints for people.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.catalog.manifests import (
    MAX_BYTES,
    ManifestCheck,
    ManifestDiff,
    ManifestError,
    Problem,
    format_for,
    manifest_diff,
    manifest_validate_text,
)
from apps.catalog.manifests.compare import side_problems


class Command(BaseCommand):
    help = "Validate a manifest file, or compare two."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{validate,diff}")
        validate = sub.add_parser("validate", help="Check a manifest (JSON or YAML).")
        validate.add_argument("file", help="A manifest file, or - for standard input.")
        diff = sub.add_parser("diff", help="Show what changed between two manifests.")
        diff.add_argument("old", help="The earlier manifest.")
        diff.add_argument("new", help="The later manifest.")
        for p in (validate, diff):
            p.add_argument("--format", choices=["json", "text"], default="json")
            # Subparsers are built by argparse, not Django: give them Django's error path.
            p.called_from_command_line = getattr(parser, "called_from_command_line", None)

    def handle(self, *args: Any, **options: Any) -> None:
        self.text = options["format"] == "text"
        if options["action"] == "validate":
            check = self._check(options["file"])
            self._print_check(check, options["file"])
            if not check.valid:
                sys.exit(1)
            return
        old, new = self._check(options["old"]), self._check(options["new"])
        if not (old.valid and new.valid):
            if self.text:
                for check, name in ((old, options["old"]), (new, options["new"])):
                    if not check.valid:
                        self._print_check(check, name)
            else:
                # One JSON document, as POST /api/v1/manifests/diff answers: the paths say
                # which side each problem is in.
                self._print_check(_sides(old=old, new=new), "")
            sys.exit(1)
        assert old.manifest is not None and new.manifest is not None
        self._print_diff(manifest_diff(old.manifest, new.manifest))

    def _check(self, name: str) -> ManifestCheck:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            path = Path(name)
            try:
                with path.open("rb") as handle:
                    raw = handle.read(MAX_BYTES + 1)
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror}.", returncode=2) from exc
        if len(raw) > MAX_BYTES:
            # Only MAX_BYTES + 1 bytes were read: the true size is unknown here.
            message = f"The manifest is larger than the limit of {MAX_BYTES:,} bytes (256 KB)."
            return ManifestCheck(errors=(Problem("$", ManifestError.TOO_LARGE, message),))
        return manifest_validate_text(raw, fmt=format_for(filename=name))

    def _print_check(self, check: ManifestCheck, name: str) -> None:
        if not self.text:
            self.stdout.write(json.dumps(check.as_dict(), indent=2))
            return
        if check.valid:
            self.stdout.write(self.style.SUCCESS(f"{name}: valid"))
            self.stdout.write("Effective scopes: " + (", ".join(check.effective_scopes) or "none"))
        else:
            count = len(check.errors)
            self.stdout.write(self.style.ERROR(f"{name}: {count} error{'s' * (count != 1)}"))
            for problem in check.errors:
                self.stdout.write(f"  {problem.path}  [{problem.code}]  {problem.message}")
        for problem in check.warnings:
            self.stdout.write(
                self.style.WARNING(f"  warning {problem.path}  [{problem.code}]  ")
                + problem.message
            )

    def _print_diff(self, diff: ManifestDiff) -> None:
        data = diff.as_dict()
        if not self.text:
            self.stdout.write(json.dumps(data, indent=2))
            return
        self.stdout.write(f"{diff.old_version} -> {diff.new_version}")
        if not diff.changed:
            self.stdout.write("No changes.")
            return
        scopes = data["scopes"]
        for label, key in (("added", "added"), ("removed", "removed")):
            for scope in scopes[key]:
                self.stdout.write(f"  scope {label}: {scope}")
        for label, key in (("raised", "raised"), ("lowered", "lowered")):
            for change in scopes[key]:
                self.stdout.write(
                    f"  scope {label}: {change['code']} {change['from']} -> {change['to']}"
                )
        for section in ("webhooks", "embeddings", "settings"):
            item_key = "key" if section == "settings" else "id"
            for item in data[section]["added"]:
                self.stdout.write(f"  {section[:-1]} added: {item[item_key]}")
            for item in data[section]["removed"]:
                self.stdout.write(f"  {section[:-1]} removed: {item[item_key]}")
            for change in data[section]["changed"]:
                names = ", ".join(sorted(change["changes"]))
                self.stdout.write(f"  {section[:-1]} changed: {change['id']} ({names})")
        for name, change in data["other"].items():
            self.stdout.write(f"  {name} changed: {json.dumps(change)}")
        if diff.needs_consent:
            self.stdout.write(
                self.style.WARNING(
                    "Needs consent: the new version reaches data the old one could not ("
                    + ", ".join(diff.scopes.exceeding)
                    + ")."
                )
            )


def _sides(*, old: ManifestCheck, new: ManifestCheck) -> ManifestCheck:
    """The errors of both checks as one, each path under ``$.old`` or ``$.new``."""
    return ManifestCheck(errors=(*side_problems("old", old), *side_problems("new", new)))
