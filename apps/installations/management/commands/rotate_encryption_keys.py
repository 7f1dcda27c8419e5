"""Re-encrypt every stored secret setting value with the newest encryption key.

Rotation: put a new key first in ``ENCRYPTION_KEYS`` (keep the old ones), run this
command, then drop the old keys. Values are read with any configured key and written
with the first. Rows are walked by primary key in batches, each batch in its own short
transaction with its rows locked, so admins saving settings meanwhile are never
overwritten and a long run holds no lock for long. Safe to run again: it only moves
values to the first key.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.core.crypto import DecryptionFailed, reencrypt
from apps.installations.models import SettingValue


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret setting value with the first key of "
        "ENCRYPTION_KEYS. Exits with 1 when a value was encrypted under a key that is no "
        "longer configured (their ids are printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default 500).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        rotated = 0
        failed: list[int] = []
        last_pk = 0
        secrets = SettingValue.objects.exclude(secret="").order_by("pk")
        while True:
            ids = list(secrets.filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            last_pk = ids[-1]
            with transaction.atomic():
                rows = list(secrets.select_for_update().filter(pk__in=ids).only("pk", "secret"))
                changed = []
                for row in rows:
                    try:
                        row.secret = reencrypt(row.secret)
                    except DecryptionFailed:
                        failed.append(row.pk)
                        continue
                    changed.append(row)
                # Only the secret column: a rotation is not a settings change, so
                # ``updated_at`` and ``updated_by`` stay as the admin left them.
                SettingValue.objects.bulk_update(changed, ["secret"])
                rotated += len(changed)
        self.stdout.write(f"Rotated {rotated} secret setting value(s) to the first key.")
        if failed:
            listed = ", ".join(str(pk) for pk in failed)
            self.stderr.write(
                f"Failed {len(failed)}: setting value id(s) {listed} were encrypted under a "
                "key that is no longer in ENCRYPTION_KEYS. Put that key back (after the "
                "first) and run again, or have an admin enter those secrets anew."
            )
            raise CommandError(f"{len(failed)} secret value(s) could not be decrypted.")
