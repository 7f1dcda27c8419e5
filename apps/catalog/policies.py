"""Pure rules of the catalog: the version state machine and what each app state allows.

No ORM, no request: every function takes plain values and answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from apps.catalog.errors import CatalogError
from apps.catalog.models import AppStatus, AppType, VersionStatus


class Party(StrEnum):
    """Who asks for a transition: the app's developers, a moderator, or the platform."""

    DEVELOPER = "developer"
    MODERATOR = "moderator"


S = VersionStatus

# (app type, from, to) -> who may make the move. Nothing else changes a version's status.
TRANSITIONS: dict[tuple[str, str, str], frozenset[Party]] = {
    # Private apps: no moderation.
    (AppType.PRIVATE, S.DRAFT, S.PUBLISHED): frozenset({Party.DEVELOPER}),
    (AppType.PRIVATE, S.PUBLISHED, S.HIDDEN): frozenset({Party.DEVELOPER}),
    (AppType.PRIVATE, S.HIDDEN, S.PUBLISHED): frozenset({Party.DEVELOPER}),
    # Public apps: every version is moderated.
    (AppType.PUBLIC, S.DRAFT, S.SUBMITTED): frozenset({Party.DEVELOPER}),
    (AppType.PUBLIC, S.SUBMITTED, S.DRAFT): frozenset({Party.DEVELOPER}),  # withdraw
    (AppType.PUBLIC, S.SUBMITTED, S.IN_REVIEW): frozenset({Party.MODERATOR}),  # claim
    (AppType.PUBLIC, S.IN_REVIEW, S.SUBMITTED): frozenset({Party.MODERATOR}),  # release
    (AppType.PUBLIC, S.IN_REVIEW, S.APPROVED): frozenset({Party.MODERATOR}),
    (AppType.PUBLIC, S.IN_REVIEW, S.REJECTED): frozenset({Party.MODERATOR}),
    (AppType.PUBLIC, S.REJECTED, S.DRAFT): frozenset({Party.DEVELOPER}),
    (AppType.PUBLIC, S.APPROVED, S.PUBLISHED): frozenset({Party.DEVELOPER}),
    (AppType.PUBLIC, S.PUBLISHED, S.HIDDEN): frozenset({Party.DEVELOPER}),
    (AppType.PUBLIC, S.HIDDEN, S.PUBLISHED): frozenset({Party.DEVELOPER}),
}

# Transitions that must say why.
REASON_REQUIRED: frozenset[tuple[str, str]] = frozenset({(S.IN_REVIEW, S.REJECTED)})

EDITABLE: frozenset[str] = frozenset({S.DRAFT, S.REJECTED})
# A version a developer may install on their own account to try it.
SELF_INSTALLABLE: frozenset[str] = frozenset(set(S) - {S.REJECTED})
# Versions an install link may point at: the exact version, whatever its moderation,
# as long as it is not rejected (private apps have no moderation; public ones are
# previewed by testers before review ends).
LINKABLE: frozenset[str] = SELF_INSTALLABLE
# Versions waiting for or in moderation.
IN_MODERATION: frozenset[str] = frozenset({S.SUBMITTED, S.IN_REVIEW})


def version_can_transition(*, app_type: str, current: str, target: str, party: Party) -> bool:
    """Whether ``party`` may move a version of an ``app_type`` app from ``current`` to
    ``target``."""
    return party in TRANSITIONS.get((app_type, current, target), frozenset())


def version_targets(*, app_type: str, current: str, party: Party) -> list[str]:
    """The statuses ``party`` may move a version to from ``current``, in table order."""
    return [
        to
        for (kind, frm, to), actors in TRANSITIONS.items()
        if kind == app_type and frm == current and party in actors
    ]


def transition_refusal(*, app_type: str, current: str, target: str, party: Party) -> str:
    """A message saying why a transition is refused and what can be done instead."""
    label = {s.value: s.label.lower() for s in VersionStatus}
    allowed = version_targets(app_type=app_type, current=current, party=party)
    kind = "private" if app_type == AppType.PRIVATE else "public"
    now = label.get(current, current)
    article = "An" if now[:1] in {"a", "e", "i", "o", "u"} else "A"
    message = f"{article} {now} version of a {kind} app cannot become {label.get(target, target)}"
    if app_type == AppType.PRIVATE and target in {S.SUBMITTED, S.APPROVED, S.REJECTED}:
        return message + ": private apps need no moderation; publish the draft directly."
    if allowed:
        return message + ". It can become: " + ", ".join(label[t] for t in allowed) + "."
    return message + "."


def version_is_editable(status: str) -> bool:
    """Manifest and changelog can change only while the version is a draft or rejected."""
    return status in EDITABLE


def app_is_usable(status: str) -> bool:
    """Only an active app can be installed, embedded or hold working tokens."""
    return status == AppStatus.ACTIVE


def version_install_blocker(*, app_status: str, version_status: str) -> CatalogError | None:
    """Why a version cannot be installed (on the developer's own account or through an
    install link) right now, as a stable code; ``None`` when nothing stands in the way.

    ``app_inactive``: the app is not active. ``version_not_installable``: the version is
    rejected."""
    if not app_is_usable(app_status):
        return CatalogError.APP_INACTIVE
    if version_status not in LINKABLE:
        return CatalogError.VERSION_NOT_INSTALLABLE
    return None


# The developer's name for the move to each status (moves back to draft are named by where
# they come from: a submitted version is withdrawn; a rejected one returns by being edited).
MOVE_NAMES: dict[str, str] = {S.SUBMITTED: "submit", S.PUBLISHED: "publish", S.HIDDEN: "hide"}


def version_developer_moves(*, app_type: str, app_status: str, status: str) -> list[str]:
    """The status moves the app's developers can make now, by name (``submit``,
    ``withdraw``, ``publish``, ``hide``), in transition-table order. None while the app is
    being deleted."""
    if app_status == AppStatus.DELETING:
        return []
    moves = []
    for target in version_targets(app_type=app_type, current=status, party=Party.DEVELOPER):
        if target == S.DRAFT:
            if status == S.SUBMITTED:
                moves.append("withdraw")
        else:
            moves.append(MOVE_NAMES[target])
    return moves


# The listing text an app has, as ``App`` stores it.
LISTING_FIELDS = ("summary", "description", "support_email", "support_url")


@dataclass(frozen=True)
class ListingPiece:
    """One piece of listing text the catalog needs. ``field`` is the key
    ``app_listing_problems`` names it by; ``missing`` says what to do while it is empty."""

    field: str
    label: str
    filled: bool
    missing: str


def listing_pieces(listing: Mapping[str, str]) -> list[ListingPiece]:
    """The listing text the catalog needs, in reading order, each filled or not: a
    summary, a description, and a support e-mail or URL (either is enough)."""

    def has(name: str) -> bool:
        return bool((listing.get(name) or "").strip())

    return [
        ListingPiece(
            "summary", "Summary", has("summary"), "Write a one-line summary for the catalog."
        ),
        ListingPiece(
            "description",
            "Description",
            has("description"),
            "Describe what the app does for the catalog.",
        ),
        ListingPiece(
            "support_email",
            "Support e-mail or URL",
            has("support_email") or has("support_url"),
            "Give a support e-mail address or a support URL.",
        ),
    ]


def app_listing_problems(
    *, app_type: str, status: str, has_published_version: bool, listing: Mapping[str, str]
) -> dict[str, list[str]]:
    """What stops an app from being listed in the catalog, per field; empty when none.
    The listing text counts as ``listing_pieces`` says."""
    problems: dict[str, list[str]] = {}
    if app_type != AppType.PUBLIC:
        problems["type"] = ["Only public apps appear in the catalog; private apps use links."]
    if status != AppStatus.ACTIVE:
        problems["status"] = ["Activate the app first."]
    if not has_published_version:
        problems["versions"] = ["Publish a version first (after moderation approves it)."]
    for piece in listing_pieces(listing):
        if not piece.filled:
            problems[piece.field] = [piece.missing]
    return problems


def semver_key(number: str) -> tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]]:
    """A sort key that orders version numbers as semantic versioning does: 1.2.0 < 1.10.0,
    and a pre-release (1.0.0-beta.2) before its release; build metadata is ignored."""
    core, _, rest = number.partition("+")[0].partition("-")
    parts = tuple(int(p) if p.isdigit() else 0 for p in core.split("."))
    if not rest:
        return parts, 1, ()
    ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in rest.split("."))
    return parts, 0, ids
