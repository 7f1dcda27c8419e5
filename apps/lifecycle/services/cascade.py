"""The uninstall cascade of one installation, and the end of an app's deletion.

Both run inside lifecycle jobs. A small installation without setting files goes in one
short transaction (``installation_delete_whole``); any other in steps
(``UNINSTALL_STEPS``). Every step deletes with a filter ("what is left of this
installation"), in batches with short transactions, so a step cut off by a crash or a
time budget runs again and finishes the job; a step that already ran deletes nothing.
Files leave storage before their rows, so a crash in between leaves rows whose files
are already gone (deleting a missing file is not an error), never orphan files.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from apps.catalog.models import App, AppBanner, AppStatus, AppVersion, InstallLink, VersionEvent
from apps.installations.models import (
    Installation,
    InstallationAccess,
    InstallationEvent,
    InstallationStatus,
    SettingValue,
    UserAuthorization,
    WebhookSubscription,
)
from apps.lifecycle.services.batches import (
    BATCH_SIZE,
    NO_DEADLINE,
    Deadline,
    delete_all,
    delete_ids,
)
from apps.lifecycle.services.tokens import tokens_delete
from apps.moderation.models import Review
from apps.oauth.models import AccessToken, Application, Grant, RefreshToken

logger = logging.getLogger(__name__)


def _delete_setting_files(ids: list[int]) -> None:
    for name in (
        SettingValue.objects.filter(pk__in=ids).exclude(file="").values_list("file", flat=True)
    ):
        default_storage.delete(name)


def _remove_folder(path: str) -> None:
    """Remove an emptied folder of the file storage, where the storage has folders."""
    try:
        folder = default_storage.path(path)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):
        os.rmdir(folder)


@dataclass(frozen=True)
class StepRun:
    """What one run of a step did: the rows it deleted (counted by the delete
    statements themselves) and whether none of its rows is left."""

    deleted: int
    complete: bool


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    run: Callable[[int, Deadline], StepRun]


def _rows(model: type[models.Model], **where: object) -> Callable[[int, Deadline], StepRun]:
    def run(installation_id: int, deadline: Deadline) -> StepRun:
        queryset = model._default_manager.filter(installation_id=installation_id, **where)
        return StepRun(*delete_all(queryset, deadline=deadline))

    return run


def _tokens(installation_id: int, deadline: Deadline) -> StepRun:
    tally = tokens_delete(Q(installation_id=installation_id), deadline=deadline)
    return StepRun(tally.total, tally.complete)


def _setting_files(installation_id: int, deadline: Deadline) -> StepRun:
    queryset = SettingValue.objects.filter(installation_id=installation_id).exclude(file="")
    deleted, complete = delete_all(queryset, before_delete=_delete_setting_files, deadline=deadline)
    if complete:
        uid = Installation.objects.filter(pk=installation_id).values_list("uid", flat=True).first()
        if uid is not None:
            _remove_folder(f"settings/{uid}")
    return StepRun(deleted, complete)


def _installation_row(installation_id: int, deadline: Deadline) -> StepRun:
    """Delete the installation itself, with its history. Rows that arrived after their
    own step ran (a token issued or a consent recorded by a request racing the
    uninstall) go with it: files first, then every table the installation owns, in the
    transaction that deletes the installation row. A retry of a failed last step
    therefore finishes whatever arrived late. Every row it deletes counts, late ones
    included."""
    files = _setting_files(installation_id, deadline)
    if not files.complete:
        return files
    with transaction.atomic():
        deleted = files.deleted + tokens_delete(Q(installation_id=installation_id)).total
        for model in _OWNED:
            deleted += delete_all(model._default_manager.filter(installation_id=installation_id))[0]
        ids = list(
            Installation.objects.filter(
                pk=installation_id, status=InstallationStatus.UNINSTALLING
            ).values_list("pk", flat=True)
        )
        deleted += delete_ids(Installation, ids)
    return StepRun(deleted, True)


UNINSTALL_STEPS: tuple[Step, ...] = (
    Step("tokens", "the app's authorization codes, access and refresh tokens", _tokens),
    Step("authorizations", "users' authorizations", _rows(UserAuthorization)),
    Step("files", "setting files", _setting_files),
    Step("settings", "app and user settings", _rows(SettingValue)),
    Step("webhooks", "webhook subscriptions", _rows(WebhookSubscription)),
    Step("access", "role and group access", _rows(InstallationAccess)),
    Step("installation", "the installation and its history", _installation_row),
)


# What hangs off an installation, in the order a small one is deleted in one go; setting
# values come last but one, the installation row itself last.
_OWNED: tuple[type[models.Model], ...] = (
    Grant,
    RefreshToken,
    AccessToken,
    UserAuthorization,
    WebhookSubscription,
    InstallationAccess,
    InstallationEvent,
    SettingValue,
)

# The tables a one-transaction delete empties, in the order of its statements.
_DELETED_IN_ORDER: tuple[type[models.Model], ...] = (*_OWNED, Installation)

# The step of ``UNINSTALL_STEPS`` whose rows each owned table (and the installation row)
# holds: what a one-transaction delete reports per step.
_STEP_OF: dict[type[models.Model], str] = {
    Grant: "tokens",
    RefreshToken: "tokens",
    AccessToken: "tokens",
    UserAuthorization: "authorizations",
    WebhookSubscription: "webhooks",
    InstallationAccess: "access",
    InstallationEvent: "installation",
    SettingValue: "settings",
    Installation: "installation",
}


def _per_step(rows: list[tuple[type[models.Model], int]]) -> dict[str, int]:
    """Rows deleted per table, summed per step, every step named (0 when none)."""
    deleted = {step.name: 0 for step in UNINSTALL_STEPS}
    for model, count in rows:
        deleted[_STEP_OF[model]] += max(count, 0)
    return deleted


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def installations_small(*, installation_ids: list[int], limit: int = BATCH_SIZE) -> set[int]:
    """Which of ``installation_ids`` are small enough to go in one short transaction:
    at most ``limit`` rows in each table they own, and no setting file (files leave
    storage before their rows, step by step). One query for the whole list, so checking
    costs nothing per installation."""
    if not installation_ids:
        return set()
    ids = ", ".join(["%s"] * len(installation_ids))
    parts = [
        f"SELECT installation_id FROM {_table(model)} WHERE installation_id IN ({ids}) "  # noqa: S608
        "GROUP BY installation_id HAVING COUNT(*) > %s"
        for model in _OWNED
    ]
    parts.append(
        f"SELECT installation_id FROM {_table(SettingValue)} "  # noqa: S608
        f"WHERE installation_id IN ({ids}) AND file <> ''"
    )
    params: list[Any] = [*([*installation_ids, limit] * len(_OWNED)), *installation_ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ".join(parts), params)
        large = {row[0] for row in cursor.fetchall()}
    return set(installation_ids) - large


@functools.cache
def _delete_sql(vendor: str) -> tuple[str, ...]:
    """The statements that delete one installation with everything it owns, provided it
    has one of the given statuses and no setting file (files go step by step, before
    their rows). On PostgreSQL one statement, whose data-modifying WITH clauses all see
    one snapshot and which returns the rows each clause deleted (in the order of
    ``_OWNED``, then the installation); elsewhere one per table in that order, in one
    transaction. Constraints between the rows (access and refresh tokens point at each
    other) are checked at commit, when every row is gone. Parameters: the installation
    id and a list of statuses."""
    files = (
        f"SELECT 1 FROM {_table(SettingValue)} "  # noqa: S608
        "WHERE installation_id = %(id)s AND file <> ''"
    )
    if vendor == "postgresql":
        # The advisory lock is the one a step-by-step purge of the installation holds
        # (``_purge_turn``): while one runs, this statement deletes nothing and the caller
        # takes its turn through the steps instead of meeting it in a deadlock.
        ok = (
            f"SELECT 1 FROM {_table(Installation)} WHERE id = %(id)s "  # noqa: S608
            f"AND status = ANY(%(statuses)s) AND NOT EXISTS ({files}) "
            "AND pg_try_advisory_xact_lock(%(lock_class)s, %(lock_key)s)"
        )
        clauses = ", ".join(
            f"d{i} AS (DELETE FROM {_table(m)} WHERE installation_id = %(id)s "  # noqa: S608
            "AND EXISTS (SELECT 1 FROM ok) RETURNING 1)"
            for i, m in enumerate(_OWNED)
        )
        last = len(_OWNED)
        counts = ", ".join(f"(SELECT COUNT(*) FROM d{i})" for i in range(last + 1))  # noqa: S608
        return (
            f"WITH ok AS ({ok}), {clauses}, d{last} AS (DELETE FROM "  # noqa: S608
            f"{_table(Installation)} WHERE id = %(id)s AND EXISTS (SELECT 1 FROM ok) "
            f"RETURNING 1) SELECT {counts}",
        )
    return (
        *(
            f"DELETE FROM {_table(m)} WHERE installation_id = %(id)s"  # noqa: S608
            for m in _OWNED
        ),
        f"DELETE FROM {_table(Installation)} WHERE id = %(id)s",  # noqa: S608
    )


def installation_delete_whole(
    *, installation_id: int, statuses: tuple[str, ...]
) -> dict[str, int] | None:
    """Delete an installation that ``installations_small`` found small, with everything
    it owns, in one short transaction: the rows of every step of ``UNINSTALL_STEPS``.
    Returns the rows deleted per step (the name of each step of ``UNINSTALL_STEPS``,
    counted by the delete statements).

    Returns ``None`` having deleted nothing when it has another status than
    ``statuses`` (or is gone: then there is nothing to do either), a setting file, a
    step-by-step purge running on it, or got a new row pointing at it while it was being
    deleted (a token issued that very moment): the steps (``installation_purge``) then go
    through it in batches.
    """
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _delete_sql("postgresql")[0],
                    {
                        "id": installation_id,
                        "statuses": list(statuses),
                        "lock_class": _PURGE_LOCK_CLASS,
                        "lock_key": installation_id % 2**31,
                    },
                )
                row = cursor.fetchone()
            if not row or not row[-1]:
                return None
            return _per_step(list(zip(_DELETED_IN_ORDER, row, strict=True)))
        # Only the parameters the statements name: with DEBUG on, Django's cursor renders
        # every parameter into its query log, and SQLite cannot render a list.
        params = {"id": installation_id}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT status FROM {_table(Installation)} WHERE id = %(id)s "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {_table(SettingValue)} "
                "WHERE installation_id = %(id)s AND file <> '')",
                params,
            )
            row = cursor.fetchone()
            if row is None or row[0] not in statuses:
                return None
            deleted: list[tuple[type[models.Model], int]] = []
            for model, sql in zip(_DELETED_IN_ORDER, _delete_sql(connection.vendor), strict=True):
                cursor.execute(sql, params)
                deleted.append((model, cursor.rowcount))
    except IntegrityError:
        logger.info(
            "Installation %s changed while it was deleted; going step by step.", installation_id
        )
        return None
    return _per_step(deleted)


def installation_delete_small(
    *, installation_id: int, statuses: tuple[str, ...], limit: int = BATCH_SIZE
) -> dict[str, int] | None:
    """``installation_delete_whole`` when the installation is small
    (``installations_small``), then its emptied setting-files folder; ``None`` having
    deleted nothing otherwise."""
    if not installations_small(installation_ids=[installation_id], limit=limit):
        return None
    uid = Installation.objects.filter(pk=installation_id).values_list("uid", flat=True).first()
    deleted = installation_delete_whole(installation_id=installation_id, statuses=statuses)
    if deleted is not None and uid is not None:
        # A files step cut off between its last batch and the folder's removal left the
        # emptied folder behind; it goes with the installation.
        _remove_folder(f"settings/{uid}")
    return deleted


def installation_mark_uninstalling(*, installation_id: int) -> None:
    """Move an active installation to ``uninstalling`` (compare-and-set), refusing its
    tokens from then on; used when the app itself is being deleted. Idempotent."""
    now = timezone.now()
    Installation.objects.filter(pk=installation_id, status=InstallationStatus.ACTIVE).update(
        status=InstallationStatus.UNINSTALLING, uninstall_requested_at=now, updated_at=now
    )


# The class of the PostgreSQL advisory locks that keep two purges of one installation
# apart (any constant; the installation id is the other half of the key).
_PURGE_LOCK_CLASS = 0x4C494645


@contextlib.contextmanager
def _purge_turn(installation_id: int) -> Iterator[None]:
    """Wait until no other purge of this installation runs, and keep others waiting.

    Two purges of one installation can meet (its uninstall job and the app's deletion):
    run side by side, one deletes the installation row while the other's batch still
    holds rows pointing at it, and each waits on the other, a deadlock. On PostgreSQL a
    session advisory lock makes them take turns; the second then finds done what the
    first did. SQLite runs one writer at a time anyway. Nothing is held while waiting.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = [_PURGE_LOCK_CLASS, installation_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError:
            # The connection is broken or mid-failed-transaction: the lock goes with
            # the session, which Django closes.
            logger.warning("Could not release the purge lock of installation %s.", installation_id)


def installation_purge(
    *,
    installation_id: int,
    start: int = 0,
    deadline: Deadline = NO_DEADLINE,
    deleted: dict[str, int] | None = None,
) -> int:
    """Run the uninstall cascade of one installation that is being uninstalled, from
    step ``start``; returns how many steps are complete (``len(UNINSTALL_STEPS)`` when
    the installation is gone). When ``deleted`` is given, the rows each step deletes
    are added to it under the step's name as each step returns (a step cut off by the
    deadline adds what it removed so far).

    Deletes, in this order: its grants and tokens; users' authorizations; setting files
    (from storage) and setting values, app-level and per user; webhook subscriptions;
    role and group access; its history and the installation row. Stops between batches
    when ``deadline`` passes. Touches only rows of this installation. Idempotent; an
    installation that is not being uninstalled (or is gone) is left alone. Two purges
    of one installation at once take turns (on PostgreSQL, the second waits for the
    first to stop).
    """
    with _purge_turn(installation_id):
        exists = Installation.objects.filter(pk=installation_id)
        if not exists.exists():
            return len(UNINSTALL_STEPS)
        if not exists.filter(status=InstallationStatus.UNINSTALLING).exists():
            raise ValueError(f"Installation {installation_id} is not being uninstalled.")
        done = start
        for step in UNINSTALL_STEPS[start:]:
            result = step.run(installation_id, deadline)
            if deleted is not None:
                deleted[step.name] = deleted.get(step.name, 0) + result.deleted
            if not result.complete:
                return done
            done += 1
            if deadline.passed() and done < len(UNINSTALL_STEPS):
                return done
        return done


def _delete_files(names: list[str]) -> int:
    """Remove these files from storage; returns how many were there to remove."""
    removed = 0
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    return removed


# The end of an app's deletion, in the order ``app_remove`` runs it: (name, label).
APP_REMOVE_STEPS: tuple[tuple[str, str], ...] = (
    ("tokens", "the app's authorization codes, access and refresh tokens, for all users"),
    ("files", "listing files (logo and banners)"),
    ("install_links", "install links"),
    ("versions", "versions, with their history and reviews"),
    ("app", "the app and its listing"),
    ("client", "the OAuth client"),
)


def app_remove(
    *, app_id: int, deadline: Deadline = NO_DEADLINE, deleted: dict[str, int] | None = None
) -> bool:
    """The end of an app's deletion, once no installation of it is left: delete the
    app's remaining grants and tokens (for all users), its listing files and their
    folder, install links, versions (with their history and reviews), the app and its
    OAuth client (``APP_REMOVE_STEPS``).
    Returns whether the app is gone. When ``deleted`` is given, what each step removed
    (rows, or files for ``files``) is added to it under the step's name, tokens as soon
    as they are deleted (so a call cut off by the deadline adds them too), the rest with
    the transaction that removes them. Idempotent; refuses an app that is not being
    deleted or still has installations."""
    counts = deleted if deleted is not None else {}

    def count(name: str, rows: int) -> None:
        counts[name] = counts.get(name, 0) + rows

    app = App.objects.filter(pk=app_id).first()
    if app is None:
        return True
    if app.status != AppStatus.DELETING:
        raise ValueError(f"App {app_id} is not being deleted.")
    if Installation.objects.filter(app_id=app_id).exists():
        raise ValueError(f"App {app_id} still has installations.")
    application_id = app.oauth_application_id
    tokens = tokens_delete(Q(application_id=application_id), deadline=deadline)
    count("tokens", tokens.total)
    if not tokens.complete:
        return False
    banners = list(AppBanner.objects.filter(app_id=app_id).values_list("image", flat=True))
    files = _delete_files([app.logo.name, *banners])
    _remove_folder(f"listing/{app.code}")
    versions = AppVersion.objects.filter(app_id=app_id)
    with transaction.atomic():
        links = delete_all(InstallLink.objects.filter(version__in=versions))[0]
        history = delete_all(VersionEvent.objects.filter(version__in=versions))[0]
        history += delete_all(Review.objects.filter(version__in=versions))[0]
        history += delete_all(versions)[0]
        listing = delete_all(AppBanner.objects.filter(app_id=app_id))[0]
        listing += delete_ids(App, [app_id])
        client = Application.objects.filter(pk=application_id).delete()[1]
    count("files", files)
    count("install_links", links)
    count("versions", history)
    count("app", listing)
    count("client", client.get(Application._meta.label, 0))
    return True
