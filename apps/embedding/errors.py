"""The embedding context's error codes: the answers the host bridge passes on to an
embedded app's SDK call (``{"code", "message"}``)."""

from enum import StrEnum


class EmbeddingError(StrEnum):
    NO_SUCH_EMBEDDING = "no_such_embedding"
    NOT_AUTHORIZED = "not_authorized"
