"""Thin Celery entry points of the embedding context."""

from celery import shared_task

from apps.embedding.services import signing_key_rotate_if_due


@shared_task(name="embedding.signing_key_rotate_due", ignore_result=True)
def signing_key_rotate_due_task() -> bool:
    """Periodic (beat): rotate the launch tokens' signing key once it is due, and delete
    retired keys no live token can carry. Safe to run twice. Returns whether it rotated."""
    return signing_key_rotate_if_due() is not None
