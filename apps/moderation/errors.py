"""The moderation queue's error codes. A refused move of the version itself answers with
the catalog's codes (``illegal_transition``, ``conflict``)."""

from enum import StrEnum


class ModerationError(StrEnum):
    """Codes of the error body (``{"error": {"code": ...}}``) of moderation services."""

    NOT_CLAIMED = "not_claimed"
    CLAIMED_BY_OTHER = "claimed_by_other"
    OWN_APP = "own_app"
