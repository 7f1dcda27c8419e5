from typing import Any

from rest_framework import exceptions, pagination
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100); answers ``count``, ``next``, ``previous``,
    ``results``."""

    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """``?cursor=…&page_size=M`` (at most 100): answers ``next``, ``previous`` and
    ``results``, no count. Pages stay stable while rows are added, and each page costs the
    same whatever its depth. Ordered by the view's ``?ordering=`` (newest first by
    default); ties in a non-unique ordering are paged by position."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"

    def decode_cursor(self, request: Request) -> Any:
        """The cursor of ``?cursor=``; one that this API did not answer is refused as
        invalid input naming the parameter (DRF answers 404)."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {"cursor": ["Not a cursor of this list: follow the next or previous link."]}
            ) from exc
