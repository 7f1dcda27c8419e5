"""The changelist component on its own: parameters in, rows and links out."""

import pytest
from django.db.models import Q
from django.http import QueryDict
from django.test import RequestFactory

from apps.accounts.models import ApiKey
from apps.accounts.selectors import api_key_list_for_account
from console.changelist import Action, ChangeList, Column, Filter, boolean_filter
from tests.factories import ApiKeyFactory


@pytest.fixture
def keys(account):
    return [ApiKeyFactory(account=account, name=f"Key {n:02}")[0] for n in range(30)]


def changelist(account, query: str = "", **options) -> ChangeList:
    request = RequestFactory().get(f"/keys/?{query}")
    options.setdefault("page_size", 10)
    return ChangeList(
        request,
        api_key_list_for_account(account=account),
        columns=[Column("name", "Name", sort="name"), Column("prefix", "Key")],
        row_template="row.html",
        search_fields=["name"],
        filters=[
            Filter(
                "status",
                "Status",
                choices=[("active", "Active"), ("revoked", "Revoked")],
                lookup={
                    "active": Q(revoked_at__isnull=True),
                    "revoked": Q(revoked_at__isnull=False),
                },
            ),
            boolean_filter("named", "Named", "name__isnull"),
        ],
        default_sort="name",
        actions=[Action("revoke", "Revoke")],
        **options,
    )


def test_pages_and_range(account, keys):
    cl = changelist(account, "page=2")

    assert [key.name for key in cl.rows] == [f"Key {n:02}" for n in range(10, 20)]
    assert cl.result_range == "11\u201320 of 30"
    assert cl.previous_url == "/keys/?page=1"
    assert cl.next_url == "/keys/?page=3"
    assert [link.get("number") for link in cl.page_links] == [1, 2, 3]


@pytest.mark.parametrize(("page", "number"), [("abc", 1), ("0", 3), ("99", 3), ("", 1)])
def test_a_bad_page_number_falls_back(account, keys, page, number):
    assert changelist(account, f"page={page}").page.number == number


def test_many_pages_are_elided(account, keys):
    cl = changelist(account, "page=10", page_size=1)

    numbers = [link.get("number", "…") for link in cl.page_links]
    assert numbers == [1, "…", 8, 9, 10, 11, 12, "…", 30]


def test_an_unknown_sort_or_filter_value_is_ignored(account, keys):
    cl = changelist(account, "o=key_hash&status=everything")

    assert cl.sort is None
    assert cl.filter_values == {}
    assert not cl.is_filtered
    assert cl.rows[0].name == "Key 00"


def test_sort_descending_and_header_state(account, keys):
    cl = changelist(account, "o=-name")

    assert cl.rows[0].name == "Key 29"
    name, prefix = cl.headers
    assert name["direction"] == "desc"
    assert name["url"] == "/keys/?o=name"
    assert prefix["url"] is None
    assert cl.hidden_params == [("o", "-name")]


def test_search_and_filter_combine_and_clear_keeps_the_sort(account, keys):
    ApiKey.objects.filter(name="Key 07").update(revoked_at="2025-01-01T00:00:00Z")

    cl = changelist(account, "q=key+0&status=revoked&o=name&page=1")

    assert [key.name for key in cl.rows] == ["Key 07"]
    assert cl.is_filtered
    assert cl.clear_url == "/keys/?o=name"
    assert cl.url(status="active") == "/keys/?q=key+0&status=active&o=name"


def test_the_search_term_is_capped(account, keys):
    cl = changelist(account, f"q={'k' * 500}")

    assert len(cl.search) == ChangeList.max_search_length


def test_empty_result(account):
    cl = changelist(account)

    assert cl.rows == []
    assert cl.result_range == "0 results"
    assert cl.page_links == []


def test_selected_keeps_only_rows_of_the_queryset(account, other_account, keys):
    foreign, _ = ApiKeyFactory(account=other_account)
    data = QueryDict(mutable=True)
    data.setlist("selected", [str(keys[0].pk), str(foreign.pk), "x; drop", ""])

    cl = changelist(account)

    assert list(cl.selected(data)) == [keys[0]]
    assert cl.action_for("revoke").label == "Revoke"
    assert cl.action_for("delete") is None


@pytest.mark.parametrize("rows", [3, 30])
def test_queries_do_not_depend_on_rows(account, rows, django_assert_num_queries):
    for n in range(rows):
        ApiKeyFactory(account=account, name=f"K{n}")

    with django_assert_num_queries(2):  # COUNT and the page (creator joined)
        cl = changelist(account)
        [key.created_by for key in cl.rows]
