"""Module access rights: validation, effective rights, and the level order."""

import pytest

from apps.accounts.models import ModuleCode
from apps.accounts.policies import effective_rights, level_allows, rights_allow, rights_errors

ALL_MODULES = sorted(ModuleCode.values)


@pytest.mark.parametrize(
    "rights",
    [
        {},
        {"crm": "full"},
        {"crm": "read", "task": "none", "fin": "full"},
        dict.fromkeys(ALL_MODULES, "read"),
    ],
)
def test_rights_errors_accepts_valid_maps(rights):
    assert rights_errors(rights) == []


@pytest.mark.parametrize(
    "rights, fragments",
    [
        ({"nope": "read"}, [["'nope'", "Known modules"]]),
        ({"crm": "write"}, [["'crm'", "'write'"]]),
        ({"crm": "FULL"}, [["'crm'", "'FULL'"]]),
        ({"crm": None}, [["'crm'", "None"]]),
        ({"crm": "read", "nope": "full", "fin": "all"}, [["'nope'"], ["'fin'", "'all'"]]),
        ([("crm", "read")], [["object"]]),
        ("crm:read", [["object"]]),
        (None, [["object"]]),
    ],
)
def test_rights_errors_names_every_problem(rights, fragments):
    errors = rights_errors(rights)

    assert len(errors) == len(fragments)
    for error, expected in zip(errors, fragments, strict=True):
        for fragment in expected:
            assert fragment in error


def test_effective_rights_admin_has_full_everywhere():
    assert effective_rights(rights={"crm": "none"}, is_admin=True) == dict.fromkeys(
        ALL_MODULES, "full"
    )
    assert effective_rights(rights=None, is_admin=True) == dict.fromkeys(ALL_MODULES, "full")


@pytest.mark.parametrize(
    "rights, expected_changes",
    [
        (None, {}),
        ({}, {}),
        ({"crm": "full", "task": "read"}, {"crm": "full", "task": "read"}),
        ({"crm": "bogus", "nope": "full"}, {}),
        ({"fin": "none"}, {}),
    ],
)
def test_effective_rights_member_missing_modules_are_none(rights, expected_changes):
    expected = dict.fromkeys(ALL_MODULES, "none") | expected_changes

    assert effective_rights(rights=rights, is_admin=False) == expected


@pytest.mark.parametrize(
    "granted, required, allowed",
    [
        ("none", "none", True),
        ("none", "read", False),
        ("none", "full", False),
        ("read", "none", True),
        ("read", "read", True),
        ("read", "full", False),
        ("full", "none", True),
        ("full", "read", True),
        ("full", "full", True),
        ("bogus", "read", False),
        ("bogus", "none", True),
    ],
)
def test_level_allows(granted, required, allowed):
    assert level_allows(granted=granted, required=required) is allowed


@pytest.mark.parametrize(
    "module, level, allowed",
    [
        ("crm", "read", True),
        ("crm", "full", True),
        ("task", "read", True),
        ("task", "full", False),
        ("fin", "read", False),
        ("fin", "none", True),
        ("unknown", "read", False),
    ],
)
def test_rights_allow(module, level, allowed):
    rights = {"crm": "full", "task": "read", "fin": "none"}

    assert rights_allow(rights=rights, module=module, level=level) is allowed
