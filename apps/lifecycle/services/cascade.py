"""The uninstall cascade of one installation, and the end of an app's deletion: the
deletion plans of the contexts (``plans.py``) run step by step.

Every step deletes with a filter ("what is left of this owner"), in batches with short
transactions (``batches.py``), so a step cut off by a crash or a time budget runs again
and finishes the job; a step that already ran deletes nothing. Files leave storage
before their rows, so a crash in between leaves rows whose files are already gone
(deleting a missing file is not an error), never orphan files. The steps that go with
the owner's row run in one transaction, with every row of an earlier step that arrived
after that step ran. A small installation goes in one transaction instead
(``whole.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.catalog.models import App, AppStatus
from apps.core.deletion import Owner, Rows
from apps.installations.models import Installation, InstallationStatus
from apps.lifecycle.services.batches import NO_DEADLINE, Deadline, Tally, delete_all
from apps.lifecycle.services.locks import purge_turn
from apps.lifecycle.services.plans import Plan, PlanStep, plan_for


@dataclass(frozen=True)
class StepRun:
    """What one run of a step did: the rows it deleted (counted by the delete
    statements themselves, or files for a storage-only step) and whether none of its
    rows is left."""

    deleted: int
    complete: bool


def _rows_run(
    rows: tuple[Rows, ...], owner: Owner, deadline: Deadline, tally: Tally, name: str
) -> bool:
    for each in rows:
        count, complete = delete_all(
            each.queryset(owner),
            pointers=each.pointers,
            before_delete=each.before_delete,
            deadline=deadline,
        )
        if not tally.add(name, count, complete):
            return False
    return True


def _step_run(step: PlanStep, owner: Owner, deadline: Deadline, tally: Tally) -> bool:
    if not _rows_run(step.rows, owner, deadline, tally, step.name):
        return False
    if step.storage is not None:
        tally.add(step.name, step.storage(owner), True)
    return True


def _close(plan: Plan, owner: Owner, deadline: Deadline, tally: Tally) -> bool:
    """The steps that go with the owner's row, in one transaction. Rows of any earlier
    step that arrived after it ran (a token issued or a consent recorded by a request
    racing the cascade) go too, counted under their step: those with a file hook first,
    in batches, files leaving storage; then every table, in the transaction that deletes
    the owner's row. A retry of a failed last step therefore finishes whatever arrived
    late."""
    for step in plan.steps[: plan.closing]:
        hooked = tuple(rows for rows in step.rows if rows.before_delete is not None)
        if hooked and not _step_run(
            PlanStep(step.name, step.label, hooked, step.storage, False, step.context),
            owner,
            deadline,
            tally,
        ):
            return False
    with transaction.atomic():
        for step in plan.steps:
            _rows_run(step.rows, owner, NO_DEADLINE, tally, step.name)
    for step in plan.steps[plan.closing :]:
        if step.storage is not None:
            tally.add(step.name, step.storage(owner), True)
    return True


def plan_run(
    plan: Plan,
    owner: Owner,
    *,
    start: int,
    deadline: Deadline,
    tally: Tally,
    stop_between_steps: bool = True,
) -> int:
    """Run ``plan``'s steps for ``owner`` from step ``start``; returns how many steps are
    complete. Adds the rows each step deletes to ``tally`` under its name as it goes.
    Stops between batches once ``deadline`` passes (after at least one batch), and
    between steps unless ``stop_between_steps`` is false (a caller that keeps no step
    in hand and starts again from the first)."""
    done = start
    total = len(plan.steps)
    while done < total:
        if done >= plan.closing:
            return total if _close(plan, owner, deadline, tally) else done
        if not _step_run(plan.steps[done], owner, deadline, tally):
            return done
        done += 1
        if stop_between_steps and deadline.passed() and done < total:
            return done
    return done


@dataclass(frozen=True)
class Step:
    """One step of a plan as a job shows and runs it (``run(owner_id, deadline)``)."""

    plan: Plan
    index: int

    @property
    def name(self) -> str:
        return self.plan.steps[self.index].name

    @property
    def label(self) -> str:
        return self.plan.steps[self.index].label

    def run(self, owner_id: int, deadline: Deadline) -> StepRun:
        owner = self.plan.load(owner_id)
        if owner is None:
            return StepRun(0, True)
        tally = Tally()
        if self.index >= self.plan.closing:
            complete = _close(self.plan, owner, deadline, tally)
        else:
            complete = _step_run(self.plan.steps[self.index], owner, deadline, tally)
        return StepRun(tally.total, complete)


UNINSTALL_STEPS: tuple[Step, ...] = tuple(
    Step(plan_for(Installation), i) for i in range(len(plan_for(Installation).steps))
)

# The end of an app's deletion, in the order ``app_remove`` runs it: (name, label).
APP_REMOVE_STEPS: tuple[tuple[str, str], ...] = tuple(
    (step.name, step.label) for step in plan_for(App).steps
)


def installation_purge(
    *,
    installation_id: int,
    start: int = 0,
    deadline: Deadline = NO_DEADLINE,
    deleted: dict[str, int] | None = None,
) -> int:
    """Run the uninstall cascade of one installation that is being uninstalled (the
    installation plan: ``UNINSTALL_STEPS``), from step ``start``; returns how many steps
    are complete (``len(UNINSTALL_STEPS)`` when the installation is gone). When
    ``deleted`` is given, the rows each step deletes are added to it under the step's
    name as each step returns (a step cut off by the deadline adds what it removed so
    far).

    Stops between batches when ``deadline`` passes. Touches only rows of this
    installation. Idempotent; raises ``ValueError`` for an installation that is not
    being uninstalled, and one that is gone has nothing left to do. Two purges of one
    installation at once take turns (on PostgreSQL, the second waits for the first).
    """
    plan = plan_for(Installation)
    with purge_turn(installation_id):
        status = (
            Installation.objects.filter(pk=installation_id).values_list("status", flat=True).first()
        )
        owner = plan.load(installation_id) if status is not None else None
        if owner is None:
            return len(plan.steps)
        if status != InstallationStatus.UNINSTALLING:
            raise ValueError(f"Installation {installation_id} is not being uninstalled.")
        tally = Tally()
        try:
            return plan_run(plan, owner, start=start, deadline=deadline, tally=tally)
        finally:
            if deleted is not None:
                for name, rows in tally.deleted.items():
                    deleted[name] = deleted.get(name, 0) + rows


def app_remove(
    *, app_id: int, deadline: Deadline = NO_DEADLINE, deleted: dict[str, int] | None = None
) -> bool:
    """The end of an app's deletion, once no installation of it is left: the app plan
    (``APP_REMOVE_STEPS``): the app's remaining grants and tokens (for all users), its
    listing files and their folder, then in one transaction its install links, versions
    (with their history and reviews), the app and its OAuth client.

    Returns whether the app is gone. When ``deleted`` is given, what each step removed
    (rows, or files for ``files``) is added to it under the step's name, also by a call
    cut off by the deadline. Idempotent; raises ``ValueError`` for an app that is not
    being deleted or still has installations."""
    plan = plan_for(App)
    status = App.objects.filter(pk=app_id).values_list("status", flat=True).first()
    if status is None:
        return True
    if status != AppStatus.DELETING:
        raise ValueError(f"App {app_id} is not being deleted.")
    if Installation.objects.filter(app_id=app_id).exists():
        raise ValueError(f"App {app_id} still has installations.")
    owner = plan.load(app_id)
    if owner is None:
        return True
    tally = Tally()
    try:
        done = plan_run(
            plan, owner, start=0, deadline=deadline, tally=tally, stop_between_steps=False
        )
        return done == len(plan.steps)
    finally:
        if deleted is not None:
            for name, rows in tally.deleted.items():
                deleted[name] = deleted.get(name, 0) + rows
