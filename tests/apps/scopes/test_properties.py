"""Properties of scope precedence and comparison over random lists of valid grants."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.scopes.catalog import Level, build_catalog
from apps.scopes.policies import (
    DropReason,
    ScopeDiff,
    ScopeGrant,
    effective_scopes,
    scope_diff,
    scope_precedence,
    scopes_allow,
    scopes_exceeding,
)

CATALOG = build_catalog()

grants = st.builds(ScopeGrant, st.sampled_from(sorted(CATALOG.scopes)), st.sampled_from(Level))
declared_lists = st.lists(grants, max_size=12)

examples = settings(max_examples=200, deadline=None)


def effective(declared) -> tuple[str, ...]:
    return effective_scopes(declared, catalog=CATALOG)


@examples
@given(declared_lists)
def test_precedence_is_idempotent(declared):
    once = scope_precedence(declared, catalog=CATALOG)
    twice = scope_precedence(once.effective, catalog=CATALOG)

    assert twice.effective == once.effective
    assert twice.dropped == ()
    assert effective(once.strings) == once.strings


@examples
@given(declared_lists, st.data())
def test_order_and_repetition_do_not_matter(declared, data):
    shuffled = data.draw(st.permutations(declared))
    repeated = declared + data.draw(st.lists(st.sampled_from(declared))) if declared else []

    assert effective(shuffled) == effective(declared)
    assert effective(declared + declared) == effective(declared)
    assert effective(repeated) == effective(declared)


@examples
@given(declared_lists)
def test_effective_scopes_are_sorted_one_per_code_without_overlap(declared):
    precedence = scope_precedence(declared, catalog=CATALOG)
    codes = [grant.code for grant in precedence.effective]

    assert list(precedence.strings) == sorted(precedence.strings)
    assert len(codes) == len(set(codes))
    for grant in precedence.effective:
        scope = CATALOG.scopes[grant.code]
        assert scope.is_module or scope.module not in codes


@examples
@given(declared_lists)
def test_every_effective_grant_was_declared_at_its_highest_level(declared):
    precedence = scope_precedence(declared, catalog=CATALOG)

    assert set(precedence.effective) <= set(declared)
    for grant in precedence.effective:
        assert grant.level.rank == max(g.level.rank for g in declared if g.code == grant.code)


@examples
@given(declared_lists)
def test_effective_scopes_never_allow_more_than_the_declared_ones(declared):
    result = scope_precedence(declared, catalog=CATALOG).effective

    for model in CATALOG.models:
        for level in Level:
            for current_user_only in (False, True):
                request = dict(
                    model=model, level=level, current_user_only=current_user_only, catalog=CATALOG
                )
                if scopes_allow(result, **request):
                    assert scopes_allow(declared, **request)
    assert scopes_exceeding(result, declared, catalog=CATALOG) == ()


@examples
@given(declared_lists)
def test_dropped_and_effective_account_for_every_declared_grant(declared):
    precedence = scope_precedence(declared, catalog=CATALOG)
    ignored = [d.declared for d in precedence.dropped if d.reason is not DropReason.DUPLICATE]
    repeated = [d.declared for d in precedence.dropped if d.reason is DropReason.DUPLICATE]
    counts = Counter(declared)

    assert sorted([*precedence.effective, *ignored]) == sorted(counts)
    assert sorted(repeated) == sorted(g for g, n in counts.items() if n > 1)
    for entry in precedence.dropped:
        if entry.reason is DropReason.DUPLICATE:
            assert entry.kept == entry.declared
        else:
            assert entry.kept in precedence.effective
        assert str(entry.declared) in entry.message
        assert str(entry.kept) in entry.message


@examples
@given(declared_lists)
def test_a_set_of_scopes_compared_with_itself_is_unchanged(declared):
    diff = scope_diff(declared, declared, catalog=CATALOG)

    assert scopes_exceeding(declared, declared, catalog=CATALOG) == ()
    assert diff.changed is False
    assert diff.needs_consent is False
    assert diff == ScopeDiff(added=(), removed=(), raised=(), lowered=(), exceeding=())


@examples
@given(declared_lists, st.data())
def test_reordering_or_repeating_scopes_is_not_a_change(declared, data):
    shuffled = data.draw(st.permutations(declared))

    assert scope_diff(declared, shuffled + declared, catalog=CATALOG).changed is False


def allowed(scopes) -> set[tuple[str, Level, bool]]:
    """Every (model, level, current_user_only) request ``scopes`` allow."""
    return {
        (model, level, current_user_only)
        for model in CATALOG.models
        for level in Level
        for current_user_only in (False, True)
        if scopes_allow(
            scopes,
            model=model,
            level=level,
            current_user_only=current_user_only,
            catalog=CATALOG,
        )
    }


@examples
@given(declared_lists, declared_lists)
def test_consent_is_needed_exactly_when_the_new_scopes_allow_something_new(old, new):
    before = allowed(scope_precedence(old, catalog=CATALOG).effective)
    after = allowed(scope_precedence(new, catalog=CATALOG).effective)

    assert scope_diff(old, new, catalog=CATALOG).needs_consent is not (after <= before)
