"""What the demo-data commands share: the demo developer account, its developer and the
platform moderator, the guard against running on a real deployment, and approval the way
a moderator gives it in the review queue (so the review record exists)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.actors import actor_for_user
from apps.accounts.models import Account, User
from apps.catalog.models import AppVersion
from apps.moderation.policies import CHECKLIST_KEYS
from apps.moderation.services import review_approve, review_claim

ACCOUNT = "devstudio"
DEVELOPER = "dev@devstudio.test"
MODERATOR = "moderator@platform.test"


def demo_people(*, force: bool) -> tuple[Account, User, User]:
    """The developer account, its developer and the moderator the `demo` command made.

    Refuses with DEBUG off unless ``force``, and says to run `demo` when they are missing.
    """
    if not settings.DEBUG and not force:
        raise CommandError(
            "Refusing to create demo apps while DEBUG is off. Use --force on a throwaway database."
        )
    account = Account.objects.filter(slug=ACCOUNT).first()
    developer = User.objects.filter(email=DEVELOPER).first()
    moderator = User.objects.filter(email=MODERATOR).first()
    if account is None or developer is None or moderator is None:
        raise CommandError(
            f"The {ACCOUNT} account, {DEVELOPER} and {MODERATOR} are missing: run "
            "`manage.py demo`, which creates them and then the demo apps."
        )
    return account, developer, moderator


def demo_approve(*, version: AppVersion, moderator: User) -> None:
    """Claim a submitted version and approve it with every checklist item ticked."""
    actor = actor_for_user(user=moderator)
    review_claim(version=version, actor=actor)
    review_approve(version=version, actor=actor, checklist=dict.fromkeys(CHECKLIST_KEYS, True))


class DemoCommand(BaseCommand):
    """A demo-data command: it refuses to run with DEBUG off unless given ``--force``."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. Never on a real deployment.",
        )
