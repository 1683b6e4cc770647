"""The week grid's write: a day's hours of one project/task, and which cells and days may
be edited.

A cell is the (project, task, local day) of one person. It holds at most one duration
entry (hours with no times: nothing invents a start or an end) next to any clocked entries
of that project/task and day (timer, day view, API). The number typed into the cell is the
cell's total: the duration entry holds what the clocked work does not cover.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainValidationError
from core.pages import format_hours
from timeentries.models import Project, Task, TimeEntry, Timesheet
from timeentries.selectors import entries_of_week, worked_by_day
from timeentries.services.entries import day_is_payroll_locked, time_entry_create, time_entry_delete, time_entry_update
from timeentries.services.transactions import time_write
from users.closings import month_start
from users.models import User

# Why a cell is read-only, as the grid shows it next to the cell.
TIMER_RUNNING = gettext_lazy("timer running")


def day_is_editable(
    *, user: User, day: date, timesheet: Timesheet | None, lock_date: date | None, closed_months=frozenset()
) -> bool:
    """Whether a write may touch the user's `day`: not after today, not before the payroll
    lock, not in a month closed for payroll (`closed_months`: their first days, as
    `users.closings.closed_months_of` answers), not in a submitted or approved week
    (`timesheet` is that day's week's)."""
    if timesheet is not None and timesheet.is_locked:
        return False
    if month_start(day) in closed_months:
        return False
    return day <= user.local_today() and not day_is_payroll_locked(day, lock_date)


def cell_problem(entries: list[TimeEntry], day: date, tz) -> str:
    """Why the entries of one project/task on one local day cannot be edited as one
    number of hours, or "" if they can: a running timer, or several duration entries
    (written through the API or an import). Clocked entries never block the cell: they keep
    their times and the cell's duration entry holds the rest."""
    if any(entry.is_running for entry in entries):
        return str(TIMER_RUNNING)
    durations = [entry for entry in entries if not entry.is_clocked]
    if len(durations) > 1:
        return ngettext("%(count)d entry", "%(count)d entries", len(durations)) % {"count": len(durations)}
    return ""


def _clocked_in_cell(entries: list[TimeEntry], day: date, tz) -> timedelta:
    """Worked time of the cell's clocked entries on `day` (their piece of it, less breaks)."""
    return sum(
        (worked for entry in entries if entry.is_clocked for d, worked in worked_by_day(entry, tz) if d == day),
        timedelta(),
    )


@time_write()
def time_entry_day_hours_set(
    *,
    actor: User,
    project: Project,
    task: Task | None,
    day: date,
    hours: Decimal,
    description: str | None = None,
    billable: bool | None = None,
) -> TimeEntry | None:
    """Make the actor's (project, task, day) cell hold `hours` in all: the cell's one
    duration entry is created, changed or (when the clocked entries cover it all) deleted;
    no times are invented. `description` and `billable` change that entry when given.
    Fewer hours than the cell's clocked entries hold, a running timer or several duration
    entries are refused (field "hours"): change those entries one by one. Answers the
    duration entry, or None when there is none left."""
    tz = actor.tzinfo
    in_cell = list(
        TimeEntry.objects.filter(user=actor, project=project, task=task).filter(
            day__gte=day - timedelta(days=1), day__lte=day
        )
    )
    in_cell = [entry for entry in in_cell if any(d == day for d, _ in worked_by_day(entry, tz))]
    problem = cell_problem(in_cell, day, tz)
    if problem:
        if problem == str(TIMER_RUNNING):
            message = _("The timer is running in this cell; stop it first.")
        else:
            message = _("This cell holds %(problem)s; change them one by one.") % {"problem": problem}
        raise DomainValidationError(message, field="hours")
    entry = next((entry for entry in in_cell if not entry.is_clocked), None)
    clocked = _clocked_in_cell(in_cell, day, tz)
    wanted = timedelta(seconds=int(hours * 3600))
    if wanted < clocked:
        raise DomainValidationError(
            _("This cell holds %(hours)s h of entries with start and end; change those in the day view to log less.")
            % {"hours": format_hours(clocked)},
            field="hours",
        )
    rest = wanted - clocked
    if rest <= timedelta(0):
        if entry is not None:
            time_entry_delete(entry=entry, actor=actor)
        return None
    if entry is not None:
        return time_entry_update(entry=entry, actor=actor, duration=rest, description=description, billable=billable)
    return time_entry_create(
        actor=actor,
        project=project,
        task=task,
        day=day,
        duration=rest,
        description=description or "",
        billable=billable,
    )


@time_write()
def time_entries_row_set(
    *, actor: User, project: Project, task: Task | None, week_start: date, description: str, billable: bool
) -> int:
    """A week grid row's description and billable flag, applied to every duration entry of
    the actor's (project, task) in the week starting `week_start`, all or nothing; answers
    how many entries changed. Clocked entries keep theirs: they are edited in the day view."""
    entries = entries_of_week(actor, week_start).durations().filter(project=project, task=task)
    changed = 0
    for entry in entries:
        time_entry_update(entry=entry, actor=actor, description=description, billable=billable)
        changed += 1
    return changed
