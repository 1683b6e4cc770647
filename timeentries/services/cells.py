"""The week grid's write: a day's hours of one project/task, and which cells and days may
be edited."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from core import periods
from core.errors import DomainValidationError
from core.pages import format_hours
from timeentries.models import Project, Task, TimeEntry, Timesheet
from timeentries.services.entries import day_is_payroll_locked, time_entry_create, time_entry_delete, time_entry_update
from users.models import User

# --- the week grid: a day's hours of one project/task -------------------------------------

# A new cell entry starts at 09:00 local time, or at the nearest free stretch of that day.
CELL_DEFAULT_START = time(9, 0)
CELL_PROBLEM_MESSAGES = {
    "timer running": "The timer is running in this cell; stop it first.",
    "crosses midnight": "This entry crosses midnight, so it cannot be edited as one day's hours.",
}


def day_is_editable(*, user: User, day: date, timesheet: Timesheet | None, lock_date: date | None) -> bool:
    """Whether a write may touch the user's `day`: not after today, not before the payroll
    lock, not in a submitted or approved week (`timesheet` is that day's week's)."""
    if timesheet is not None and timesheet.is_locked:
        return False
    return day <= user.local_today() and not day_is_payroll_locked(day, lock_date)


def cell_problem(entries: list[TimeEntry], day: date, tz) -> str:
    """Why the entries of one project/task on one local day cannot be edited as one
    number of hours, or "" if they can."""
    if len(entries) > 1:
        return f"{len(entries)} entries"
    if entries:
        entry = entries[0]
        if entry.end is None:
            return "timer running"
        day_start, day_end = periods.day_bounds(day, tz)
        if entry.start < day_start or entry.end > day_end:
            return "crosses midnight"
    return ""


def _free_start(
    *, preferred: datetime, length: timedelta, day_start: datetime, day_end: datetime, others
) -> datetime | None:
    """Where a stretch of `length` fits inside the day without meeting another entry of the
    user (a running one covers everything after its start): at `preferred` if possible,
    else right after the work already logged, else before it."""
    busy = [(entry.start, entry.end or day_end + timedelta(days=1)) for entry in others]

    def fits(start: datetime) -> bool:
        end = start + length
        return day_start <= start and end <= day_end and all(not (s < end and start < e) for s, e in busy)

    candidates = {day_start, day_end - length, *(end for _, end in busy), *(start - length for start, _ in busy)}
    later = sorted(candidate for candidate in candidates if candidate > preferred)
    earlier = sorted((candidate for candidate in candidates if candidate < preferred), reverse=True)
    return next((candidate for candidate in [preferred, *later, *earlier] if fits(candidate)), None)


@transaction.atomic
def time_entry_day_hours_set(*, actor: User, project: Project, task: Task | None, day: date, hours: Decimal) -> None:
    """Make the actor's (project, task, day) hold `hours`: create one entry at 09:00 (or the
    nearest free stretch of the day), change the one entry's end, or delete it at zero.
    Several entries, a running timer or a night shift are refused: change them one by one."""
    tz = actor.tzinfo
    day_start, day_end = periods.day_bounds(day, tz)
    day_entries = list(
        TimeEntry.objects.filter(user=actor, start__lt=day_end).filter(Q(end__isnull=True) | Q(end__gt=day_start))
    )
    task_id = task.pk if task else None
    in_cell = [entry for entry in day_entries if entry.project_id == project.pk and entry.task_id == task_id]
    problem = cell_problem(in_cell, day, tz)
    if problem:
        message = CELL_PROBLEM_MESSAGES.get(problem, f"This cell holds {problem}; change them one by one.")
        raise DomainValidationError(message, field="hours")
    entry = in_cell[0] if in_cell else None
    length = timedelta(seconds=int(hours * 3600))
    if not length:
        if entry is not None:
            time_entry_delete(entry=entry, actor=actor)
        return
    preferred = entry.start if entry else datetime.combine(day, CELL_DEFAULT_START, tzinfo=tz).astimezone(UTC)
    others = [other for other in day_entries if entry is None or other.pk != entry.pk]
    start = _free_start(preferred=preferred, length=length, day_start=day_start, day_end=day_end, others=others)
    if start is None:
        raise DomainValidationError(f"{day:%A} has no free stretch of {format_hours(hours)} hours left.", field="hours")
    if entry is not None:
        time_entry_update(entry=entry, actor=actor, start=start, end=start + length)
    else:
        time_entry_create(actor=actor, project=project, task=task, start=start, end=start + length)
