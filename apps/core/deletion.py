"""Deletion plans: what goes when an installation or an app goes.

The context that owns a table says how its rows leave with the installation or the app
they belong to, in a ``deletion.py`` beside its models, as a module-level ``DELETION``
tuple of the declarations below. ``apps.lifecycle`` collects every context's
declarations, orders them and runs them in batches (see ``apps/lifecycle/README.md``);
this module only describes, it deletes nothing itself (except the storage helpers that
hooks call).

- ``Step``: a named group of rows of one owner (``Installation`` or ``App``), shown on
  the job's page with its label, deleted in the order of ``rows``, batch after batch.
  Steps of one context go in the order they are declared; ``before``/``after`` name the
  steps of other contexts they must precede or follow (the order must come out total:
  lifecycle refuses to start otherwise).
- ``StepRows``: rows a context adds to a step another context declares (a moderation
  review goes with the versions it reviews); they go ahead of that step's own rows.
- ``Children``: rows that are owners themselves (an app's installations): each is
  removed whole, by its own plan, before the parent's first step.

A table with a foreign key to an installation, an app or the OAuth client (or to any row
a plan deletes) must appear in a plan; ``tests/apps/lifecycle/test_plan_coverage.py``
fails otherwise and says what to add.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db import models

# The owner as a plan sees it: its ``id`` and the fields its steps ``need``, read once
# per run (the row may be gone by the time a storage hook runs).
Owner = Mapping[str, Any]


@dataclass(frozen=True)
class Pointer:
    """A nullable column of ``model`` pointing at the rows being deleted: set to NULL
    for a batch before the batch goes (tokens that point at each other)."""

    model: type[models.Model]
    column: str


@dataclass(frozen=True)
class Rows:
    """The rows of ``model`` whose ``lookup`` (a Django lookup, e.g. ``installation_id``
    or ``version__app_id``) equals the owner's ``key`` field, narrowed by ``where``.

    ``pointers`` are cleared before each batch; ``before_delete`` sees each batch's ids
    before its rows go (to remove their files from storage: a crash in between leaves
    rows without files, never files without rows).
    """

    model: type[models.Model]
    lookup: str
    key: str = "id"
    where: models.Q | None = None
    pointers: tuple[Pointer, ...] = ()
    before_delete: Callable[[list[int]], None] | None = None

    def queryset(self, owner: Owner) -> models.QuerySet[Any]:
        rows = self.model._base_manager.filter(**{self.lookup: owner[self.key]})
        return rows if self.where is None else rows.filter(self.where)


@dataclass(frozen=True)
class Step:
    """A step of ``owner``'s plan: ``rows`` in order, then ``storage`` (what the owner
    keeps in file storage besides rows, e.g. an emptied folder; returns how many files it
    removed). ``needs`` are the owner's fields ``storage`` reads.

    ``with_owner`` steps run together, in the one transaction that deletes the owner's
    row (rows the owner's row points at, the owner's row itself); they come last.
    """

    owner: type[models.Model]
    name: str
    label: str
    rows: tuple[Rows, ...] = ()
    storage: Callable[[Owner], int] | None = None
    needs: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    with_owner: bool = False


@dataclass(frozen=True)
class StepRows:
    """``rows`` added to the step ``step`` of ``owner``'s plan, which another context
    declares; they go ahead of that step's own rows."""

    owner: type[models.Model]
    step: str
    rows: tuple[Rows, ...]


@dataclass(frozen=True)
class Children:
    """The rows of ``model`` whose ``lookup`` is the owner's id are owners of their own
    plan: each goes whole, by that plan, before the parent's first step."""

    owner: type[models.Model]
    model: type[models.Model]
    lookup: str


Declaration = Step | StepRows | Children


def storage_files_remove(names: Iterable[str]) -> int:
    """Remove these files from storage; returns how many were there to remove.
    Idempotent: a missing file is not an error."""
    removed = 0
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    return removed


def storage_folder_remove(path: str) -> None:
    """Remove an emptied folder of the file storage, where the storage has folders.
    Idempotent: a missing or non-empty folder is left as it is."""
    try:
        folder = default_storage.path(path)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):
        os.rmdir(folder)
