"""The catalog's pure rules: the version state machine, its refusals, version ordering,
what keeps an app out of the catalog."""

import itertools

import pytest

from apps.catalog.models import AppStatus, AppType, VersionStatus
from apps.catalog.policies import (
    EDITABLE,
    IN_MODERATION,
    LINKABLE,
    SELF_INSTALLABLE,
    TRANSITIONS,
    Party,
    app_is_usable,
    app_listing_problems,
    semver_key,
    transition_refusal,
    version_can_transition,
    version_developer_moves,
    version_install_blocker,
    version_is_editable,
    version_targets,
)

S = VersionStatus
D, M = Party.DEVELOPER, Party.MODERATOR

# The whole table written out again, by hand, as the issue states it.
EXPECTED = {
    (AppType.PRIVATE, S.DRAFT, S.PUBLISHED, D),
    (AppType.PRIVATE, S.PUBLISHED, S.HIDDEN, D),
    (AppType.PRIVATE, S.HIDDEN, S.PUBLISHED, D),
    (AppType.PUBLIC, S.DRAFT, S.SUBMITTED, D),
    (AppType.PUBLIC, S.SUBMITTED, S.DRAFT, D),
    (AppType.PUBLIC, S.SUBMITTED, S.IN_REVIEW, M),
    (AppType.PUBLIC, S.IN_REVIEW, S.SUBMITTED, M),
    (AppType.PUBLIC, S.IN_REVIEW, S.APPROVED, M),
    (AppType.PUBLIC, S.IN_REVIEW, S.REJECTED, M),
    (AppType.PUBLIC, S.REJECTED, S.DRAFT, D),
    (AppType.PUBLIC, S.APPROVED, S.PUBLISHED, D),
    (AppType.PUBLIC, S.PUBLISHED, S.HIDDEN, D),
    (AppType.PUBLIC, S.HIDDEN, S.PUBLISHED, D),
}

EVERY_MOVE = list(itertools.product(AppType, S, S, Party))


def test_every_combination_is_covered():
    assert len(EVERY_MOVE) == 2 * 7 * 7 * 2


@pytest.mark.parametrize(("app_type", "current", "target", "actor"), EVERY_MOVE)
def test_a_move_is_allowed_exactly_when_the_table_has_it(app_type, current, target, actor):
    in_table = actor in TRANSITIONS.get((app_type, current, target), frozenset())

    allowed = version_can_transition(app_type=app_type, current=current, target=target, party=actor)

    assert allowed is in_table
    assert allowed is ((app_type, current, target, actor) in EXPECTED)


def test_the_table_is_what_the_issue_describes():
    flattened = {(t, f, to, a) for (t, f, to), actors in TRANSITIONS.items() for a in actors}
    assert flattened == EXPECTED


def test_unknown_values_are_refused():
    assert not version_can_transition(
        app_type="internal", current=S.DRAFT, target=S.PUBLISHED, party=D
    )
    assert not version_can_transition(
        app_type=AppType.PRIVATE, current="archived", target=S.PUBLISHED, party=D
    )


@pytest.mark.parametrize(
    ("app_type", "current", "actor", "targets"),
    [
        (AppType.PUBLIC, S.DRAFT, D, [S.SUBMITTED]),
        (AppType.PUBLIC, S.SUBMITTED, D, [S.DRAFT]),
        (AppType.PUBLIC, S.SUBMITTED, M, [S.IN_REVIEW]),
        (AppType.PUBLIC, S.IN_REVIEW, M, [S.SUBMITTED, S.APPROVED, S.REJECTED]),
        (AppType.PUBLIC, S.IN_REVIEW, D, []),
        (AppType.PUBLIC, S.REJECTED, D, [S.DRAFT]),
        (AppType.PUBLIC, S.APPROVED, D, [S.PUBLISHED]),
        (AppType.PUBLIC, S.APPROVED, M, []),
        (AppType.PUBLIC, S.PUBLISHED, D, [S.HIDDEN]),
        (AppType.PUBLIC, S.HIDDEN, D, [S.PUBLISHED]),
        (AppType.PRIVATE, S.DRAFT, D, [S.PUBLISHED]),
        (AppType.PRIVATE, S.DRAFT, M, []),
        (AppType.PRIVATE, S.PUBLISHED, D, [S.HIDDEN]),
        (AppType.PRIVATE, S.HIDDEN, D, [S.PUBLISHED]),
    ],
)
def test_targets_follow_the_table_in_order(app_type, current, actor, targets):
    assert version_targets(app_type=app_type, current=current, party=actor) == targets


class TestRefusal:
    def test_says_what_the_version_can_become_instead(self):
        message = transition_refusal(
            app_type=AppType.PUBLIC, current=S.DRAFT, target=S.PUBLISHED, party=D
        )
        assert message == (
            "A draft version of a public app cannot become published. It can become: submitted."
        )

    def test_lists_every_alternative(self):
        message = transition_refusal(
            app_type=AppType.PUBLIC, current=S.IN_REVIEW, target=S.PUBLISHED, party=M
        )
        assert message == (
            "An in review version of a public app cannot become published. "
            "It can become: submitted, approved, rejected."
        )

    @pytest.mark.parametrize("target", [S.SUBMITTED, S.APPROVED, S.REJECTED])
    def test_private_apps_are_told_they_need_no_moderation(self, target):
        message = transition_refusal(
            app_type=AppType.PRIVATE, current=S.DRAFT, target=target, party=D
        )
        assert message.endswith(": private apps need no moderation; publish the draft directly.")
        assert message.startswith("A draft version of a private app cannot become ")

    def test_a_dead_end_says_only_what_is_refused(self):
        message = transition_refusal(
            app_type=AppType.PUBLIC, current=S.APPROVED, target=S.REJECTED, party=M
        )
        assert message == "An approved version of a public app cannot become rejected."

    def test_unknown_statuses_are_named_as_given(self):
        message = transition_refusal(
            app_type=AppType.PUBLIC, current="archived", target="gone", party=D
        )
        assert message == "An archived version of a public app cannot become gone."


class TestStatusSets:
    def test_only_drafts_and_rejected_versions_are_editable(self):
        assert set(EDITABLE) == {S.DRAFT, S.REJECTED}
        assert [s for s in S if version_is_editable(s)] == [S.DRAFT, S.REJECTED]

    def test_every_status_but_rejected_is_installable_by_its_developer_and_by_link(self):
        assert set(S) - SELF_INSTALLABLE == {S.REJECTED}
        assert LINKABLE == SELF_INSTALLABLE

    def test_the_moderation_set(self):
        assert set(IN_MODERATION) == {S.SUBMITTED, S.IN_REVIEW}

    def test_only_an_active_app_is_usable(self):
        assert [s for s in AppStatus if app_is_usable(s)] == [AppStatus.ACTIVE]


class TestSemverKey:
    @pytest.mark.parametrize(
        ("lower", "higher"),
        [
            ("1.2.0", "1.10.0"),
            ("1.9.9", "2.0.0"),
            ("0.0.1", "0.1.0"),
            ("1.0.0-alpha", "1.0.0"),
            ("1.0.0-beta.2", "1.0.0"),
            ("1.0.0-alpha", "1.0.0-alpha.1"),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
            ("1.0.0-beta.2", "1.0.0-beta.11"),
            ("1.0.0-rc.1", "1.0.0"),
            ("1.0.0", "1.0.1-alpha"),
        ],
    )
    def test_orders_as_semantic_versioning_does(self, lower, higher):
        assert semver_key(lower) < semver_key(higher)

    def test_build_metadata_is_ignored(self):
        assert semver_key("1.0.0+build.5") == semver_key("1.0.0")
        assert semver_key("1.0.0-beta+exp.sha.5114f85") == semver_key("1.0.0-beta")

    def test_sorting_a_list(self):
        numbers = ["1.10.0", "1.0.0", "1.0.0-rc.1", "1.2.0", "0.9.0", "1.0.0-alpha", "2.0.0+b1"]
        assert sorted(numbers, key=semver_key) == [
            "0.9.0",
            "1.0.0-alpha",
            "1.0.0-rc.1",
            "1.0.0",
            "1.2.0",
            "1.10.0",
            "2.0.0+b1",
        ]


FIT = {
    "summary": "Invoices from deals",
    "description": "Creates invoices.",
    "support_email": "help@example.com",
    "support_url": "",
}


class TestListingProblems:
    def test_a_fit_public_app_has_none(self):
        assert (
            app_listing_problems(
                app_type=AppType.PUBLIC,
                status=AppStatus.ACTIVE,
                has_published_version=True,
                listing=FIT,
            )
            == {}
        )

    def test_a_support_url_is_enough_without_an_email(self):
        listing = FIT | {"support_email": "", "support_url": "https://example.com/help"}
        assert (
            app_listing_problems(
                app_type=AppType.PUBLIC,
                status=AppStatus.ACTIVE,
                has_published_version=True,
                listing=listing,
            )
            == {}
        )

    def test_every_problem_is_named_by_its_field(self):
        problems = app_listing_problems(
            app_type=AppType.PRIVATE,
            status=AppStatus.INACTIVE,
            has_published_version=False,
            listing={"summary": "  ", "description": "", "support_email": "", "support_url": ""},
        )
        assert problems == {
            "type": ["Only public apps appear in the catalog; private apps use links."],
            "status": ["Activate the app first."],
            "versions": ["Publish a version first (after moderation approves it)."],
            "summary": ["Write a one-line summary for the catalog."],
            "description": ["Describe what the app does for the catalog."],
            "support_email": ["Give a support e-mail address or a support URL."],
        }

    @pytest.mark.parametrize("status", [AppStatus.INACTIVE, AppStatus.DELETING])
    def test_an_app_that_is_not_active_cannot_be_listed(self, status):
        problems = app_listing_problems(
            app_type=AppType.PUBLIC, status=status, has_published_version=True, listing=FIT
        )
        assert list(problems) == ["status"]

    def test_missing_keys_count_as_empty(self):
        problems = app_listing_problems(
            app_type=AppType.PUBLIC,
            status=AppStatus.ACTIVE,
            has_published_version=True,
            listing={},
        )
        assert list(problems) == ["summary", "description", "support_email"]


class TestInstallBlocker:
    @pytest.mark.parametrize("app_status", list(AppStatus))
    @pytest.mark.parametrize("version_status", list(S))
    def test_an_inactive_app_comes_first_then_a_rejected_version(self, app_status, version_status):
        blocker = version_install_blocker(app_status=app_status, version_status=version_status)

        if app_status != AppStatus.ACTIVE:
            assert blocker == "app_inactive"
        elif version_status == S.REJECTED:
            assert blocker == "version_not_installable"
        else:
            assert blocker is None


class TestDeveloperMoves:
    @pytest.mark.parametrize("app_type", list(AppType))
    @pytest.mark.parametrize("status", list(S))
    def test_the_names_follow_the_table(self, app_type, status):
        names = {S.SUBMITTED: "submit", S.PUBLISHED: "publish", S.HIDDEN: "hide"}
        expected = []
        for target in version_targets(app_type=app_type, current=status, party=D):
            if target != S.DRAFT:
                expected.append(names[target])
            elif status == S.SUBMITTED:
                expected.append("withdraw")

        moves = version_developer_moves(
            app_type=app_type, app_status=AppStatus.ACTIVE, status=status
        )

        assert moves == expected

    def test_a_few_by_hand(self):
        def moves(app_type, status):
            return version_developer_moves(
                app_type=app_type, app_status=AppStatus.ACTIVE, status=status
            )

        assert moves(AppType.PUBLIC, S.DRAFT) == ["submit"]
        assert moves(AppType.PUBLIC, S.SUBMITTED) == ["withdraw"]
        assert moves(AppType.PUBLIC, S.REJECTED) == []  # it returns to draft by an edit
        assert moves(AppType.PUBLIC, S.APPROVED) == ["publish"]
        assert moves(AppType.PRIVATE, S.DRAFT) == ["publish"]
        assert moves(AppType.PRIVATE, S.PUBLISHED) == ["hide"]

    @pytest.mark.parametrize("status", list(S))
    def test_nothing_while_the_app_is_being_deleted(self, status):
        assert (
            version_developer_moves(
                app_type=AppType.PUBLIC, app_status=AppStatus.DELETING, status=status
            )
            == []
        )
