"""Job kinds: what a job of a given ``kind`` does, one chunk at a time.

A kind's ``run_chunk`` does a bounded piece of work (seconds, not minutes) in its own
short transactions and returns the progress so far. It must be idempotent: a chunk cut
off by a crash runs again from the last recorded progress.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.jobs.models import Job


@dataclass(frozen=True)
class ChunkResult:
    """The progress after a chunk. ``payload``, when given, replaces the job's payload:
    a kind keeps its cursor and running tallies there, written together with the
    progress, so a chunk that runs again resumes from what was recorded."""

    done: int
    total: int | None
    finished: bool
    message: str = ""
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run_chunk: Callable[["Job"], ChunkResult]
    queue: str = "default"


_KINDS: dict[str, JobKind] = {}


def job_kind_register(kind: JobKind) -> JobKind:
    """Register a kind at import time (in the owning context's ``jobs.py``)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"Job kind {kind.name!r} is registered twice.")
    _KINDS[kind.name] = kind
    return kind


def job_kind_get(name: str) -> JobKind | None:
    return _KINDS.get(name)


def job_kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name
