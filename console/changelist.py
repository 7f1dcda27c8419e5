"""A changelist: search, filters, sorting, pagination and bulk actions over a queryset.

The queryset comes from a selector, already scoped to what the user may see; the
changelist only narrows and orders it. Its query count does not grow with the rows: a
COUNT, the page itself, whatever the selector prefetches, and one query per filter whose
choices come from the database.

Rendered by ``templates/console/includes/changelist.html``; each page gives a row template
holding its ``<td>`` cells for one ``obj``.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict

Choices = Sequence[tuple[str, str]]
ChoicesSource = Choices | Callable[[QuerySet[Any]], Choices]
Lookup = str | Mapping[str, Q] | Callable[[str], Q]

MAX_ID = 2**63 - 1  # the largest primary key a bulk action may name


@dataclass(frozen=True)
class Column:
    """A table column; ``sort`` is the ORM ordering expression, ``None`` if not sortable."""

    key: str
    label: str
    sort: str | None = None
    css: str = ""


@dataclass(frozen=True)
class Filter:
    """A filter: ``?<name>=<value>`` narrows the rows when ``value`` is one of ``choices``.

    ``choices`` is a list of ``(value, label)`` or a callable taking the unfiltered
    queryset. ``lookup`` is a field lookup that receives the value (``"role_id"``), a map
    from value to ``Q``, or a callable from value to ``Q``. Unknown values are ignored.
    """

    name: str
    label: str
    choices: ChoicesSource
    lookup: Lookup

    def q(self, value: str) -> Q:
        if isinstance(self.lookup, str):
            return Q(**{self.lookup: value})
        if isinstance(self.lookup, Mapping):
            return self.lookup[value]
        return self.lookup(value)


def boolean_filter(name: str, label: str, field: str) -> Filter:
    """A yes/no filter on a boolean field."""
    return Filter(
        name=name,
        label=label,
        choices=[("yes", "Yes"), ("no", "No")],
        lookup={"yes": Q(**{field: True}), "no": Q(**{field: False})},
    )


def distinct_choices(
    field: str, label: Callable[[str], str] = str
) -> Callable[[QuerySet[Any]], Choices]:
    """Choices from the distinct values of ``field`` among the rows (one query)."""

    def choices(queryset: QuerySet[Any]) -> Choices:
        values = queryset.order_by(field).values_list(field, flat=True).distinct()
        return [(str(value), label(value)) for value in values]

    return choices


@dataclass(frozen=True)
class Action:
    """A bulk action: the view decides what it does with the selected rows."""

    name: str
    label: str


class ChangeList:
    search_param = "q"
    sort_param = "o"
    page_param = "page"
    max_search_length = 100

    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        *,
        columns: Sequence[Column],
        row_template: str,
        search_fields: Sequence[str] = (),
        filters: Sequence[Filter] = (),
        default_sort: str | None = None,
        page_size: int = 25,
        actions: Sequence[Action] = (),
        search_placeholder: str = "Search",
        empty_message: str = "Nothing here yet.",
        object_name: str = "row",
    ) -> None:
        self.request = request
        self.params: QueryDict = request.GET
        self.base_queryset = queryset
        self.columns = list(columns)
        self.row_template = row_template
        self.search_fields = list(search_fields)
        self.filters = list(filters)
        self.default_sort = default_sort
        self.page_size = page_size
        self.actions = list(actions)
        self.search_placeholder = search_placeholder
        self.empty_message = empty_message
        self.object_name = object_name

        self.search = (self.params.get(self.search_param) or "").strip()[: self.max_search_length]
        self.sort = self._parse_sort(self.params.get(self.sort_param, ""))
        self.paginator = Paginator(self._filtered_queryset(), page_size)
        self.page = self.paginator.get_page(self.params.get(self.page_param))
        self.rows: list[Any] = list(self.page.object_list)

    # --- querying ------------------------------------------------------------------------

    @cached_property
    def _choices(self) -> dict[str, Choices]:
        return {
            f.name: list(f.choices(self.base_queryset) if callable(f.choices) else f.choices)
            for f in self.filters
        }

    @cached_property
    def filter_values(self) -> dict[str, str]:
        """The filters in effect: only values among the filter's choices count."""
        values = {}
        for f in self.filters:
            value = self.params.get(f.name, "")
            if value and value in {choice for choice, _ in self._choices[f.name]}:
                values[f.name] = value
        return values

    def _parse_sort(self, raw: str) -> tuple[Column, bool] | None:
        key = raw.removeprefix("-")
        for column in self.columns:
            if column.sort and column.key == key:
                return column, raw.startswith("-")
        return None

    def _ordering(self) -> list[str]:
        first = self.default_sort or "-pk"
        if self.sort is not None:
            column, descending = self.sort
            first = f"-{column.sort}" if descending else str(column.sort)
        # The primary key breaks ties, so a row never shows on two pages.
        return [first, "-pk" if first.startswith("-") else "pk"]

    def _filtered_queryset(self) -> QuerySet[Any]:
        qs = self.base_queryset
        for f in self.filters:
            if f.name in self.filter_values:
                qs = qs.filter(f.q(self.filter_values[f.name]))
        if self.search and self.search_fields:
            for term in self.search.split():
                match = Q()
                for name in self.search_fields:
                    match |= Q(**{f"{name}__icontains": term})
                qs = qs.filter(match)
        return qs.order_by(*self._ordering())

    # --- bulk actions --------------------------------------------------------------------

    def action_for(self, name: str) -> Action | None:
        return next((action for action in self.actions if action.name == name), None)

    def selected(self, data: QueryDict) -> QuerySet[Any]:
        """The rows ticked in a bulk-action POST, among those the user may see."""
        # ASCII digits within a 64-bit id: "²" or a 30-digit number would make the
        # query itself fail.
        ids = [
            value
            for value in data.getlist("selected")
            if value.isascii() and value.isdigit() and int(value) <= MAX_ID
        ]
        return self.base_queryset.filter(pk__in=ids).order_by(*self._ordering())

    # --- rendering -----------------------------------------------------------------------

    @property
    def is_filtered(self) -> bool:
        return bool(self.search or self.filter_values)

    @property
    def count(self) -> int:
        return self.paginator.count

    @property
    def result_range(self) -> str:
        """For example ``"1\u201325 of 60"`` (an en dash between the bounds)."""
        if not self.paginator.count:
            return "0 results"
        return f"{self.page.start_index()}\u2013{self.page.end_index()} of {self.paginator.count}"

    def url(self, **changes: object) -> str:
        """The current URL with some parameters changed (``None`` removes one).

        Any change other than the page number goes back to the first page.
        """
        params = self.params.copy()
        if self.page_param not in changes:
            params.pop(self.page_param, None)
        for key, value in changes.items():
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = str(value)
        query = params.urlencode()
        return f"{self.request.path}?{query}" if query else self.request.path

    @property
    def clear_url(self) -> str:
        return self.url(**{self.search_param: None}, **dict.fromkeys(self.filter_values))

    @property
    def headers(self) -> list[dict[str, object]]:
        headers = []
        for column in self.columns:
            direction = None
            if self.sort is not None and self.sort[0] == column:
                direction = "desc" if self.sort[1] else "asc"
            url = None
            if column.sort:
                next_sort = f"-{column.key}" if direction == "asc" else column.key
                url = self.url(**{self.sort_param: next_sort})
            headers.append(
                {"label": column.label, "url": url, "direction": direction, "css": column.css}
            )
        return headers

    @property
    def filter_specs(self) -> list[dict[str, object]]:
        current = self.filter_values
        return [
            {
                "name": f.name,
                "label": f.label,
                "value": current.get(f.name, ""),
                "options": [
                    {"value": value, "label": label, "selected": current.get(f.name) == value}
                    for value, label in self._choices[f.name]
                ],
            }
            for f in self.filters
        ]

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        """Parameters the search form must carry over (the sort order)."""
        raw = self.params.get(self.sort_param)
        return [(self.sort_param, raw)] if raw and self.sort else []

    @property
    def page_links(self) -> list[dict[str, object]]:
        if self.paginator.num_pages <= 1:
            return []
        links: list[dict[str, object]] = []
        for number in self.paginator.get_elided_page_range(
            self.page.number, on_each_side=2, on_ends=1
        ):
            if number == self.paginator.ELLIPSIS:
                links.append({"ellipsis": True})
            else:
                links.append(
                    {
                        "number": number,
                        "url": self.url(**{self.page_param: number}),
                        "current": number == self.page.number,
                    }
                )
        return links

    @property
    def previous_url(self) -> str | None:
        if not self.page.has_previous():
            return None
        return self.url(**{self.page_param: self.page.previous_page_number()})

    @property
    def next_url(self) -> str | None:
        if not self.page.has_next():
            return None
        return self.url(**{self.page_param: self.page.next_page_number()})
