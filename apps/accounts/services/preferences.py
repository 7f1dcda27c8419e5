"""Writes of a user's own preferences: the interface language."""

from apps.accounts.actors import Actor
from apps.accounts.models import Language, User
from apps.core.errors import PermissionDenied, ValidationFailed


def user_language_set(*, actor: Actor, language: str) -> bool:
    """Set the acting user's own interface language (``en``, ``pt``, ``es``; ``""``
    follows the account's, the language of the account they work in). Returns whether
    it changed. ``ValidationFailed`` naming ``language`` for any other value;
    ``PermissionDenied`` without a signed-in user (an API key has no language). Nothing
    is written on a refusal. Idempotent: setting the current value writes nothing."""
    user = actor.user
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Only a signed-in user has an interface language.")
    value = (language or "").strip().lower()
    if value and value not in Language.values:
        choices = ", ".join(f"{code} ({label})" for code, label in Language.choices)
        raise ValidationFailed(
            f"“{language}” is not a language of the product.",
            fields={"language": [f"Choose one of {choices}, or none to follow the account's."]},
        )
    # A conditional update: saving the value the user already has writes nothing.
    changed = User.objects.filter(pk=user.pk).exclude(language=value).update(language=value)
    user.language = value
    return bool(changed)
