"""``manage.py rotate_launch_keys``: rotate the launch tokens' signing key now."""

from typing import Any

from django.core.management.base import BaseCommand

from apps.embedding.selectors import signing_keys_published
from apps.embedding.services import signing_key_rotate


class Command(BaseCommand):
    help = (
        "Retire the signing key of launch tokens and make a new one active. The retired "
        "key stays published at /.well-known/jwks.json until its last token has expired."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        key = signing_key_rotate()
        published = [k.kid for k in signing_keys_published()]
        self.stdout.write(f"Active key: {key.kid}. Published: {', '.join(published)}.")
